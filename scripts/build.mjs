// npm run build: AssemblyScript -> build/*.wasm (release, counting and stepping builds), the
// shared-memory check of each .wasm, then TypeScript -> dist/. With --if-stale it does
// nothing when the inputs hash to the same value as at the last successful build.
import asc from "assemblyscript/asc";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkWasm, STEPPING_ALLOWED_IMPORTS } from "./wasm-check.mjs";
import { countBytes, leb5, makePercpuTemplate, PERCPU_SECTION } from "./percpu-template.mjs";
import { KeepProbeCalls } from "./no-inline.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const stampFile = path.join(root, "build", ".inputs.sha256");
const INPUT_DIRS = ["assembly", "bindings", "bench", "scripts"];
const INPUT_FILES = ["package.json", "package-lock.json", "tsconfig.json", "asconfig.json"];
const OUTPUTS = ["build/rcu-lab.wasm", "build/rcu-lab.counting.wasm", "build/rcu-lab.tracing.wasm", "build/rcu-lab.stepping.wasm", "build/rcu-lab.percpu.wasm", "dist/bindings/index.js"];

/** The asc flags of docs/architecture.md: imported shared memory, no runtime, no abort import. */
export const MAXIMUM_MEMORY_PAGES = 1024; // 64 MiB
const BUILDS = [
  { out: "build/rcu-lab.wasm", extra: [] },
  { out: "build/rcu-lab.counting.wasm", extra: ["--use", "RCU_LAB_COUNTING=1"] },
  // The tracing build: timeline events into the per-CPU rings (assembly/tracepoint/trace_events.ts).
  { out: "build/rcu-lab.tracing.wasm", extra: ["--use", "RCU_LAB_TRACING=1"] },
  // The explorer's build (docs/explorer.md): a scheduling point before every primitive, the
  // explorer's small kernels (assembly/explore/), and Binaryen's Asyncify so that one thread
  // can suspend a CPU's instance at a scheduling point and resume it later. With function
  // names (--debug, -g) and little inlining (-O1): a counterexample names the kernel
  // function of each access (functions marked @inline are still inlined by asc).
  { out: "build/rcu-lab.stepping.wasm", entry: "assembly/explore/index.ts", extra: ["--use", "RCU_LAB_STEPPING=1", "--debug"], opt: "-O1", asyncify: true, allowedImports: STEPPING_ALLOWED_IMPORTS },
];

/**
 * Asyncify (binaryen's wasm-opt --asyncify): only the functions that can reach the
 * scheduler import are instrumented, so an instance can unwind at env.sched_point and be
 * rewound to it later.
 */
function asyncify(wasmPath) {
  const wasmOpt = path.join(root, "node_modules/binaryen/bin/wasm-opt");
  execFileSync(process.execPath, [wasmOpt, wasmPath, "--enable-threads", "--enable-bulk-memory", "--enable-sign-ext", "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int", "--asyncify", "--pass-arg=asyncify-imports@env.sched_point", "-O1", "-g", "-o", wasmPath], { stdio: "inherit" });
}

function inputsHash() {
  const h = createHash("sha256");
  const files = [...INPUT_FILES];
  for (const d of INPUT_DIRS) {
    const walk = (dir) => {
      if (!fs.existsSync(dir)) return;
      for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(path.relative(root, p));
      }
    };
    walk(path.join(root, d));
  }
  for (const f of files) {
    const p = path.join(root, f);
    if (!fs.existsSync(p)) continue;
    h.update(f).update("\0").update(fs.readFileSync(p)).update("\0");
  }
  return h.digest("hex");
}

async function compileAssembly({ out, extra, entry = "assembly/index.ts", asyncify: withAsyncify = false, allowedImports, opt = "-O3" }) {
  const args = [
    entry, "-o", out, "--textFile", out.replace(/\.wasm$/, ".wat"),
    "--bindings", "raw", "--importMemory", "--sharedMemory", "--initialMemory", "1",
    "--maximumMemory", String(MAXIMUM_MEMORY_PAGES), "--importTable", "--enable", "threads",
    "--runtime", "stub", opt, "--noAssert", "--use", "abort=",
    "--use", `RCU_LAB_MAX_PAGES=${MAXIMUM_MEMORY_PAGES}`, ...extra,
  ];
  const { error, stderr } = await asc.main(args, { stdout: process.stdout, stderr: process.stderr, transforms: [KeepProbeCalls] });
  if (error) throw new Error(`asc failed for ${out}: ${error.message}\n${stderr.toString()}`);
  if (withAsyncify) asyncify(path.join(root, out));
  embedParams(path.join(root, out));
  const problems = checkWasm(fs.readFileSync(path.join(root, out)), allowedImports ? { allowedImports } : {});
  if (problems.length) {
    throw new Error(`${out} breaks the shared-memory rules of docs/architecture.md:\n  - ${problems.join("\n  - ")}`);
  }
}

/** The custom section that carries each export's declared parameters (bindings/abi/wasm-signatures.ts). */
export const PARAMS_SECTION = "rcu-lab.params";

const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};

/**
 * Append a custom section naming each exported function's parameters with their
 * AssemblyScript types (u32, i32, f64, ...), taken from the .d.ts asc writes next to the
 * .wasm: the binary's i32 does not say signed or unsigned, and the host needs to know that
 * an iteration count of -1 is not 4294967295 (machine/contexts.ts checkArgs).
 */
function embedParams(wasmPath, dtsPath = wasmPath.replace(/\.wasm$/, ".d.ts")) {
  const dts = fs.readFileSync(dtsPath, "utf8");
  const params = {};
  for (const m of dts.matchAll(/\/\*\*([^]*?)\*\/\s*export function (\w+)\(/g)) {
    params[m[2]] = [...m[1].matchAll(/@param (\w+) `([^`]+)`/g)].map((p) => [p[1], p[2]]);
  }
  if (Object.keys(params).length === 0) throw new Error(`no exported function found in ${dtsPath}: cannot embed the parameter types`);
  appendCustomSection(wasmPath, PARAMS_SECTION, JSON.stringify(params));
}

function appendCustomSection(wasmPath, sectionName, text) {
  const name = new TextEncoder().encode(sectionName);
  const body = [...leb(name.length), ...name, ...new TextEncoder().encode(text)];
  const bytes = fs.readFileSync(wasmPath);
  fs.writeFileSync(wasmPath, Buffer.concat([bytes, Buffer.from([0, ...leb(body.length), ...body])]));
}

/**
 * The release build's per-CPU template (scripts/percpu-template.mjs): the host specialises
 * it for each CPU worker. Same parameter section as the release build, plus the placeholder
 * table; the placeholders' bytes must occur exactly once per replaced read in the whole file.
 */
function buildPercpuTemplate() {
  const out = path.join(root, "build/rcu-lab.percpu.wasm");
  const { bytes, table } = makePercpuTemplate(fs.readFileSync(path.join(root, "build/rcu-lab.wat"), "utf8"));
  fs.writeFileSync(out, bytes);
  embedParams(out, path.join(root, "build/rcu-lab.d.ts"));
  appendCustomSection(out, PERCPU_SECTION, JSON.stringify(table));
  const final = fs.readFileSync(out);
  for (const t of table) {
    if (countBytes(final, [0x41, ...leb5(t.magic)]) !== t.sites) throw new Error(`build/rcu-lab.percpu.wasm: the ${t.field} placeholder occurs other than ${t.sites} times once the custom sections are added`);
  }
  const problems = checkWasm(final);
  if (problems.length) throw new Error(`build/rcu-lab.percpu.wasm breaks the shared-memory rules of docs/architecture.md:\n  - ${problems.join("\n  - ")}`);
}

async function main() {
  process.chdir(root);
  const ifStale = process.argv.includes("--if-stale");
  const hash = inputsHash();
  const fresh = fs.existsSync(stampFile) && fs.readFileSync(stampFile, "utf8") === hash && OUTPUTS.every((o) => fs.existsSync(path.join(root, o)));
  if (ifStale && fresh) return;
  fs.mkdirSync(path.join(root, "build"), { recursive: true });
  if (fs.existsSync(stampFile)) fs.rmSync(stampFile);
  for (const b of BUILDS) {
    process.stderr.write(`build: asc -> ${b.out}\n`);
    await compileAssembly(b);
    if (b.out === "build/rcu-lab.wasm") {
      process.stderr.write("build: per-CPU template -> build/rcu-lab.percpu.wasm\n");
      buildPercpuTemplate();
    }
  }
  process.stderr.write("build: tsc -> dist/\n");
  execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], { stdio: "inherit" });
  fs.chmodSync(path.join(root, "dist/bindings/cli/main.js"), 0o755);
  fs.writeFileSync(stampFile, hash);
}

main().catch((e) => {
  process.stderr.write(`build failed: ${e.message}\n`);
  process.exit(1);
});
