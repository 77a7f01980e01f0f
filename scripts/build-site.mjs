// npm run build:site [-- --out DIR]: the comparison page as one folder for a static host
// that cannot set headers (default dist/site/). It mirrors the part of the package tree
// the page reads (site/, the modules of dist/bindings/ that browser.js and
// browser-worker.js import, the builds (build/*.wasm), results/safety.json, profiles/*.json), adds the
// service worker coi-serviceworker.js at its root (it makes the page cross-origin isolated,
// see site/isolate.js) and an index.html that opens site/. Each .wasm copied is checked
// again (scripts/wasm-check.mjs): in a browser, V8's tiers cannot be chosen, so no wait may
// sit inside WebAssembly (Node 20's Liftoff miscompiles code after memory.atomic.wait).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkWasm } from "./wasm-check.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const outArg = args.find((a) => a.startsWith("--out="))?.slice(6) ?? (args.includes("--out") ? args[args.indexOf("--out") + 1] : undefined);
if (args.includes("--out") && !outArg) fail("--out needs a directory, e.g. --out public");
const out = path.resolve(outArg ?? path.join(root, "dist/site"));

function fail(message) {
  process.stderr.write(`build:site: ${message}\n`);
  process.exit(2);
}

const NODE_PLATFORM = path.join(root, "dist/bindings/platform/node.js");

/** The JavaScript modules reachable from `entries` through relative imports. */
function reachable(entries) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    if (!fs.existsSync(file)) fail(`${path.relative(root, file)} is missing: run npm run build`);
    seen.add(file);
    const src = fs.readFileSync(file, "utf8");
    // Static imports start a line (tsc's output; a comment that quotes one does not).
    for (const m of src.matchAll(/^(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gm)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith(".")) fail(`${path.relative(root, file)} imports '${spec}': a page resolves only relative module paths (keep it out of bindings/browser.ts's graph)`);
      const target = path.resolve(path.dirname(file), spec);
      if (target === NODE_PLATFORM) continue; // machine.js imports it only under Node, when no platform is given
      visit(target);
    }
  };
  entries.forEach(visit);
  return [...seen];
}

function copy(rel, to = rel) {
  const dst = path.join(out, to);
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(path.join(root, rel), dst);
}

if (out === root || root.startsWith(out + path.sep)) fail(`--out ${out} would overwrite the package itself`);
fs.rmSync(out, { recursive: true, force: true });
const bindings = path.join(root, "dist/bindings");
const modules = reachable([path.join(bindings, "browser.js"), path.join(bindings, "platform/browser-worker.js")]);
for (const f of modules) copy(path.relative(root, f));
const WASM = ["build/rcu-lab.wasm", "build/rcu-lab.counting.wasm", "build/rcu-lab.tracing.wasm"];
for (const wasm of WASM) {
  if (!fs.existsSync(path.join(root, wasm))) fail(`${wasm} is missing: run npm run build`);
  const problems = checkWasm(fs.readFileSync(path.join(root, wasm)));
  if (problems.length) fail(`${wasm} breaks the rules the page relies on:\n  - ${problems.join("\n  - ")}`);
  copy(wasm);
}
copy("results/safety.json");
for (const p of fs.readdirSync(path.join(root, "profiles")).filter((f) => f.endsWith(".json"))) copy(`profiles/${p}`);
for (const f of ["app.js", "chart.js", "style.css", "isolate.js"]) copy(`site/${f}`);
copy("site/coi-serviceworker.js", "coi-serviceworker.js");
const html = fs.readFileSync(path.join(root, "site/index.html"), "utf8");
if (!html.includes("<!--rcu-lab:isolate-->")) fail("site/index.html lacks the <!--rcu-lab:isolate--> marker where the isolation script goes");
fs.writeFileSync(path.join(out, "site/index.html"), html.replace("<!--rcu-lab:isolate-->", '<script src="isolate.js"></script>'));
fs.writeFileSync(
  path.join(out, "index.html"),
  '<!doctype html><meta charset="utf-8"><title>rcu-lab</title><meta http-equiv="refresh" content="0; url=site/"><a href="site/">rcu-lab: the comparison page</a>\n',
);
process.stderr.write(`build:site: ${path.relative(process.cwd(), out) || "."}/ written (${modules.length} modules, ${WASM.length} .wasm); publish the folder as it is, open site/ in it\n`);
