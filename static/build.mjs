// Builds the front-end assets into static/dist/ (served by Django via STATICFILES_DIRS).
//   npm run build              -> minified CSS + vendored JS + the minified, content-hashed widget
//   npm run build -- --watch   -> same, then Tailwind keeps rebuilding CSS on template changes
import { spawnSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";

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

// 2. The widget that clients' sites load, in two parts: widget.js (the button, the config; what a page loads first)
// and panel.js (form, validation, sending; loaded when the visitor is about to open the widget). Each is minified
// under a name carrying its content hash (an immutable URL, cached for a year), with its gzip and brotli twins for
// WhiteNoise; widget.json names both for the loader /w/<key>.js (widget_cdn.script). The editor's preview keeps
// loading the readable sources, widget_cdn/widget.js and widget_cdn/panel.js.
{
  const { buildSync } = require("esbuild");
  const out = join(dist, "widget_cdn");
  mkdirSync(out, { recursive: true });
  for (const old of readdirSync(out)) if (/^(widget|panel)\./.test(old)) rmSync(join(out, old));
  const manifest = {};
  for (const [part, key] of [["widget", "script"], ["panel", "panel"]]) {
    const [built] = buildSync({
      entryPoints: [join(root, "widget_cdn", "static", "widget_cdn", `${part}.js`)], write: false, minify: true,
      target: "es2019", charset: "utf8", legalComments: "none",
    }).outputFiles;
    const name = `${part}.${createHash("sha256").update(built.contents).digest("hex").slice(0, 12)}.js`;
    writeFileSync(join(out, name), built.contents);
    writeFileSync(join(out, `${name}.gz`), gzipSync(built.contents, { level: 9 }));
    writeFileSync(join(out, `${name}.br`), brotliCompressSync(built.contents, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: built.contents.length },
    }));
    manifest[key] = `widget_cdn/${name}`;
    console.log(`built widget_cdn/${part}.js -> static/dist/widget_cdn/${name} (${built.contents.length} B)`);
  }
  writeFileSync(join(out, "widget.json"), JSON.stringify(manifest) + "\n");
}

// 3. Tailwind CSS (v3 CLI), run with the current Node binary so it works without a shell.
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
