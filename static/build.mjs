// Builds the front-end assets into static/dist/ (served by Django via STATICFILES_DIRS).
//   npm run build              -> minified CSS + vendored JS
//   npm run build -- --watch   -> same, then Tailwind keeps rebuilding CSS on template changes
import { spawnSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const dist = join(root, "static", "dist");
const watch = process.argv.includes("--watch");

// 1. Vendored JavaScript (no CDN: everything is served from /static/).
const vendored = [
  ["htmx.org/dist/htmx.min.js", "js/htmx.min.js"],
  // Alpine's CSP build: expressions go through its own parser, never `new Function` (no 'unsafe-eval').
  ["@alpinejs/csp/dist/cdn.min.js", "js/alpine.min.js"],
  // Apache ECharts for the Analytics page only (templates/dashboard/analytics.html); no eval, SVG renderer.
  ["echarts/dist/echarts.min.js", "js/echarts.min.js"],
  // driver.js for the cabinet's guided tour (dashboard only): a few KB, no dependencies, no eval.
  ["driver.js/dist/driver.js.iife.js", "js/driver.js"],
  ["driver.js/dist/driver.css", "css/driver.css"],
];
for (const [from, to] of vendored) {
  // A file path under the package, not its entry: driver.js's "exports" map does not list its IIFE build.
  const src = join(root, "node_modules", from);
  const dest = join(dist, to);
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(src, dest);
  console.log(`copied ${from} -> static/dist/${to}`);
}

// 2. Tailwind CSS (v3 CLI), run with the current Node binary so it works without a shell.
const tailwindPkg = require.resolve("tailwindcss/package.json");
const tailwindCli = join(dirname(tailwindPkg), "lib", "cli.js");
if (!existsSync(tailwindCli)) {
  console.error(`Tailwind CLI not found at ${tailwindCli}; run "npm install" first.`);
  process.exit(1);
}
mkdirSync(join(dist, "css"), { recursive: true });
// Two stylesheets from the same source: app.css with every template's classes (the cabinet, sign-up, errors),
// public.css with the public site's only (tailwind.public.config.js), a fraction of the size.
const builds = [
  ["tailwind.config.js", "app.css"],
  ["tailwind.public.config.js", "public.css"],
].map(([config, output]) => ({
  output,
  args: [
    tailwindCli,
    "--config", join(root, config),
    "--input", join(root, "static", "src", "app.css"),
    "--output", join(dist, "css", output),
    "--minify",
  ],
}));

// Tailwind only uses Browserslist for autoprefixing; silence its "caniuse-lite is outdated" nag.
const env = { ...process.env, BROWSERSLIST_IGNORE_OLD_DATA: "1" };

if (watch) {
  const children = builds.map(({ args }) =>
    spawn(process.execPath, [...args, "--watch"], { cwd: root, stdio: "inherit", env }));
  // One watcher ending ends the other: never leave a Tailwind process behind.
  for (const child of children) {
    child.on("exit", (code) => {
      for (const other of children) if (other !== child) other.kill();
      process.exit(code ?? 0);
    });
  }
} else {
  for (const { output, args } of builds) {
    const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env });
    if (result.status !== 0) {
      console.error(`Tailwind build of ${output} failed`);
      process.exit(result.status ?? 1);
    }
    console.log(`built static/src/app.css -> static/dist/css/${output}`);
  }
}
