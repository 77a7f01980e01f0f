// Cost profiles and the clock. A profile gives the cycles of each op kind of the counting
// build; modeled cycles = op counts x profile. `rcu-lab calibrate` measures the clock (a
// dependent chain of one-cycle operations in WebAssembly) and the op kinds WebAssembly can
// execute, and takes the rest (irq save/restore, out-of-line calls, release stores, whose
// V8 code differs from the kernel's) from a shipped native profile, saying so per op.
import { OP_KINDS, type OpKind } from "./layout.js";
import type { Machine } from "./machine.js";
import { runPrimitives } from "./primitives-run.js";
import { summarize, type Summary } from "./stats.js";

export interface CostProfile {
  schema: "rcu-lab/cost-profile@1";
  name: string;
  source: string;
  ghz: number;
  cyclesPerOp: Record<OpKind, number>;
  sources: Record<OpKind, string>;
}

/** Where the shipped profile lives (read by the Node CLI; a page fetches it). */
export const SHIPPED_PROFILE_URL = new URL("../../profiles/amd-epyc-zen5-2vcpu.json", import.meta.url);

/** Parse and check a profile (`path` names it in errors). */
export function parseProfile(text: string, path: string): CostProfile {
  let p: CostProfile;
  try {
    p = JSON.parse(text) as CostProfile;
  } catch (e) {
    throw new Error(`cost profile ${path} is not JSON: ${(e as Error).message}`);
  }
  if (p.schema !== "rcu-lab/cost-profile@1") throw new Error(`${String(path)} is not a cost profile (schema ${JSON.stringify(p.schema)}, expected "rcu-lab/cost-profile@1")`);
  for (const k of OP_KINDS) {
    if (typeof p.cyclesPerOp?.[k] !== "number" || !(p.cyclesPerOp[k] >= 0)) {
      throw new Error(`cost profile ${String(path)}: cyclesPerOp.${k} must be a number of cycles >= 0`);
    }
  }
  if (!(p.ghz > 0)) throw new Error(`cost profile ${String(path)}: ghz must be positive`);
  return p;
}

/** Modeled cycles of one call: op counts x cycles per op. */
export function modeledCycles(ops: Record<OpKind, number>, p: CostProfile): number {
  return OP_KINDS.reduce((sum, k) => sum + ops[k] * p.cyclesPerOp[k], 0);
}

/**
 * The clock of CPU `cpu`: GHz from a dependent chain of one-cycle integer operations
 * (calibrate_chain: 8 per iteration), median of `reps` batches.
 */
export async function measureGhz(m: Machine, cpu = 0, reps = 5, n = 20_000_000): Promise<Summary> {
  await m.run(cpu, "calibrate_chain", [n / 10, 3, 5]);
  const ghz: number[] = [];
  for (let r = 0; r < reps; r++) {
    const res = await m.run(cpu, "calibrate_chain", [n, 3, 5]);
    ghz.push((8 * n) / res.elapsedNs);
  }
  return summarize(ghz);
}

/**
 * rcu-lab calibrate: the clock and the WebAssembly-executable op kinds measured here (on
 * CPU 0 alone), the others from `base` (the shipped native profile).
 */
export async function calibrateProfile(m: Machine, base: CostProfile, onProgress?: (d: number, t: number, w: string) => void): Promise<CostProfile> {
  const ghz = await measureGhz(m);
  const r = await runPrimitives(m, { iterations: 10_000_000, reps: 5, impls: ["wasm"], scopes: ["1 CPU"], onProgress });
  const ns = (name: string) => r.rows.find((x) => x.primitive === name)!.nsPerOp.median;
  const cyc = (x: number) => Math.round(x * ghz.median * 100) / 100;
  const here = `measured here in WebAssembly on CPU 0: loop of 1e7, median of 5, at ${ghz.median.toFixed(2)} GHz`;
  const cyclesPerOp = { ...base.cyclesPerOp };
  const sources = { ...base.sources };
  const set = (k: OpKind, v: number, how: string) => ((cyclesPerOp[k] = v), (sources[k] = `${how}; ${here}`));
  set("write_once", cyc(ns("loop baseline")), "one plain store per loop iteration");
  set("this_cpu_rmw", cyc(ns("this_cpu_inc")), "load + add + store on the own CPU's slot");
  set("atomic_rmw", cyc(ns("atomic_add_return")), "atomic.add (V8: lock cmpxchg loop)");
  set("smp_mb", cyc(ns("smp_mb")), "atomic.add(private word, 0)");
  set("read_once", cyc(ns("READ_ONCE+branch") / 2), "atomic.load + branch, half");
  set("branch", cyc(ns("READ_ONCE+branch") / 2), "atomic.load + branch, half");
  set("indirect_call", cyc(ns("indirect call")), "call_indirect of an empty function");
  for (const k of ["irq_save", "irq_restore", "call", "store_release"] as OpKind[]) {
    sources[k] = `${base.sources[k]} (from profile ${base.name}: WebAssembly cannot execute it as the kernel does)`;
  }
  return {
    schema: "rcu-lab/cost-profile@1",
    name: `calibrated-${new Date().toISOString().slice(0, 10)}`,
    source: `rcu-lab calibrate on ${m.platform.name}, ${m.platform.cores()} cores; clock ${ghz.median.toFixed(3)} GHz [${ghz.min.toFixed(3)}-${ghz.max.toFixed(3)}] from a dependent add/xor chain; other ops from ${base.name}`,
    ghz: ghz.median, cyclesPerOp, sources,
  };
}
