/**
 * Tailwind CSS v3 config of the public site's stylesheet (static/dist/css/public.css, built by static/build.mjs):
 * the theme of tailwind.config.js, but only the classes of the public site's templates, so that a visitor of the
 * landing page does not download the cabinet's styles. templates/public_site/base.html links it.
 */
const shared = require("./tailwind.config.js");

/** @type {import('tailwindcss').Config} */
module.exports = {
  ...shared,
  content: [
    "./templates/base.html",
    "./templates/public_site/**/*.html",
    "./templates/errors/**/*.html",  // the error pages extend the public layout
    "./dev/*/templates/**/*.html",  // so does the development mailbox (not installed in production)
    "./public_site/**/*.{html,py}",
  ],
};
