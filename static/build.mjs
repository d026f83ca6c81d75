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
];
for (const [from, to] of vendored) {
  const src = require.resolve(from);
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
const args = [
  tailwindCli,
  "--config", join(root, "tailwind.config.js"),
  "--input", join(root, "static", "src", "app.css"),
  "--output", join(dist, "css", "app.css"),
  "--minify",
];

// Tailwind only uses Browserslist for autoprefixing; silence its "caniuse-lite is outdated" nag.
const env = { ...process.env, BROWSERSLIST_IGNORE_OLD_DATA: "1" };

if (watch) {
  const child = spawn(process.execPath, [...args, "--watch"], { cwd: root, stdio: "inherit", env });
  child.on("exit", (code) => process.exit(code ?? 0));
} else {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit", env });
  if (result.status !== 0) {
    console.error("Tailwind build failed");
    process.exit(result.status ?? 1);
  }
  console.log("built static/src/app.css -> static/dist/css/app.css");
}
