// npm run bench -- [primitives|benchmarkjs|rcu|strategies|speed|repeat [invocations]|torture-detection [runs] [--only=case]|all] [--json [FILE]]
// "all" (the default) runs every suite but torture-detection, which takes minutes.
// --json alone prints JSON on stdout (use npm run -s, or npm's banner precedes it);
// --json FILE (or --json=FILE) writes it to FILE, checked writable before anything runs.
import fs from "node:fs";
import path from "node:path";
import { benchmarkJs, renderBenchmarkJs } from "./benchmarkjs.js";
import { benchPrimitives, renderPrimitivesBench } from "./primitives.js";
import { detectionCases, renderDetection, tortureDetection } from "./torture-detection.js";
import { benchRcu, renderRcuBench } from "./rcu.js";
import { benchStrategies, renderStrategiesBench } from "./strategies.js";
import { benchSpeed, renderSpeed } from "./speed.js";
import { benchRepeat, renderRepeat } from "./repeat.js";

interface Suite {
  inAll: boolean;
  run: (args: string[]) => Promise<unknown>;
  render: (r: never) => string;
  /** Refuse bad arguments before anything runs. */
  check?: (args: string[]) => void;
}

const SUITES: Record<string, Suite> = {
  primitives: { inAll: true, run: () => benchPrimitives(), render: renderPrimitivesBench },
  benchmarkjs: { inAll: true, run: () => benchmarkJs(), render: renderBenchmarkJs },
  rcu: { inAll: true, run: () => benchRcu(), render: renderRcuBench },
  strategies: { inAll: true, run: () => benchStrategies(), render: renderStrategiesBench },
  speed: { inAll: false, run: () => benchSpeed(), render: renderSpeed },
  repeat: {
    inAll: false,
    run: (args) => {
      const n = args.find((a) => /^\d+$/.test(a));
      return benchRepeat(n ? Number(n) : 5);
    },
    check: (args) => {
      const n = args.find((a) => /^\d+$/.test(a));
      if (n !== undefined && Number(n) < 2) throw new Error(`repeat: invocations must be at least 2; got ${n}`);
    },
    render: renderRepeat,
  },
  "torture-detection": {
    inAll: false,
    run: (args) => {
      const runs = args.find((a) => /^\d+$/.test(a));
      return tortureDetection(runs ? Number(runs) : 20, undefined, args.find((a) => a.startsWith("--only="))?.slice(7));
    },
    check: (args) => {
      const runs = args.find((a) => /^\d+$/.test(a));
      if (runs !== undefined && Number(runs) < 1) throw new Error(`torture-detection: runs must be at least 1; got ${runs}`);
      const only = args.find((a) => a.startsWith("--only="))?.slice(7);
      if (only !== undefined && !detectionCases().includes(only)) {
        throw new Error(`torture-detection: unknown case '${only}' for --only; expected one of: ${detectionCases().join(", ")}`);
      }
    },
    render: renderDetection,
  },
};

/** --json [FILE] / --json=FILE: whether JSON is asked for, and the file (undefined: stdout); the other arguments. */
function jsonOption(argv: string[]): { json: boolean; file?: string; args: string[] } {
  const args: string[] = [];
  let json = false, file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--json=")) (json = true), (file = a.slice(7));
    else if (a === "--json") {
      json = true;
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith("--") && !(next in SUITES) && next !== "all" && !/^\d+$/.test(next)) file = argv[++i];
    } else args.push(a);
  }
  if (file !== undefined) {
    const dir = path.dirname(path.resolve(file));
    let why: string | undefined;
    if (file === "") why = "the file name is empty";
    else if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) why = `directory ${dir} does not exist`;
    else if (fs.existsSync(file) && fs.statSync(file).isDirectory()) why = `${file} is a directory`;
    else {
      try {
        fs.accessSync(fs.existsSync(file) ? file : dir, fs.constants.W_OK);
      } catch {
        why = `${fs.existsSync(file) ? file : dir} is not writable`;
      }
    }
    if (why) throw new Error(`--json ${file}: cannot write there: ${why}; expected a file in an existing, writable directory, or --json alone for stdout`);
  }
  return { json, file, args };
}

async function main(): Promise<void> {
  const { json, file, args } = jsonOption(process.argv.slice(2));
  const names = args.filter((a) => !a.startsWith("--") && !/^\d+$/.test(a));
  if (names.length > 1) throw new Error(`one benchmark suite at a time; got ${names.join(", ")} (expected one of: ${[...Object.keys(SUITES), "all"].join(", ")})`);
  const name = names[0] ?? "all";
  if (name !== "all" && !(name in SUITES)) {
    throw new Error(`unknown benchmark suite '${name}'; expected one of: ${[...Object.keys(SUITES), "all"].join(", ")}`);
  }
  for (const [suite, s] of Object.entries(SUITES)) if (name === suite || (name === "all" && s.inAll)) s.check?.(args);
  const results: Record<string, unknown> = {};
  for (const [suite, s] of Object.entries(SUITES)) {
    if (name !== suite && !(name === "all" && s.inAll)) continue;
    const r = await s.run(args);
    results[suite] = r;
    if (!json) process.stdout.write(`${s.render(r as never)}\n\n`);
  }
  if (!json) return;
  const text = `${JSON.stringify({ schema: "rcu-lab/bench-suites@1", ...results }, null, 2)}\n`;
  if (file === undefined) process.stdout.write(text);
  else {
    fs.writeFileSync(file, text);
    process.stderr.write(`bench: JSON (schema rcu-lab/bench-suites@1) written to ${file}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
