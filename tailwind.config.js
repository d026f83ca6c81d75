/** Tailwind CSS v3 config for Fast Lead (built by static/build.mjs → static/dist/css/app.css). */
const defaultTheme = require("tailwindcss/defaultTheme");

/** @type {import('tailwindcss').Config} */
module.exports = {
  // Explicit app directories only: never scan node_modules/ or .venv/.
  content: [
    "./templates/**/*.html",
    "./public_site/templates/**/*.html",
    "./dashboard/templates/**/*.html",
    "./shared_apps/*/templates/**/*.html",
    "./tenant_apps/*/templates/**/*.html",
    "./billing/templates/**/*.html",
    "./widget_cdn/templates/**/*.html",
    "./dev/*/templates/**/*.html", // development only (the dev mailbox); absent from the production image
  ],
  theme: {
    extend: {
      colors: {
        // Brand blue; brand-600 is the primary colour (#2563eb).
        brand: {
          50: "#eff6ff",
          100: "#dbeafe",
          200: "#bfdbfe",
          300: "#93c5fd",
          400: "#60a5fa",
          500: "#3b82f6",
          600: "#2563eb",
          700: "#1d4ed8",
          800: "#1e40af",
          900: "#1e3a8a",
          950: "#172554",
        },
      },
      fontFamily: {
        sans: ["Inter", "Roboto", "\"Segoe UI\"", ...defaultTheme.fontFamily.sans],
      },
    },
  },
  plugins: [],
};
