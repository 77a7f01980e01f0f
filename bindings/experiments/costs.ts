// Cost profiles: the cycles of each op kind of the counting build, and the model built on
// them. Profiles are measured by calibrate.ts or shipped with their source (profiles/).
//
// The model: modeled cycles = sum over op kinds of (op count x cycles of that op IN A
// SEQUENCE). Measured back to back, a locked instruction or popf waits only for its own
// predecessor; inside ordinary kernel code it also overlaps with, or waits for, the work
// around it, so its cost there differs (a plain sum of back-to-back costs overstated the
// heavy strategies about 2x). `inSequence` holds, for the op kinds where it matters, the
// marginal cost of one op placed in generic filler work (bench/native/primitives.c: filler
// + op - filler); the other kinds use `cyclesPerOp`. Nothing is fitted to the strategy
// sequences the model is then compared with (npm run bench -- strategies prints the error).
import { OP_KINDS, type OpKind } from "../abi/constants.js";

export interface CostProfile {
  schema: "rcu-lab/cost-profile@1";
  name: string;
  source: string;
  ghz: number;
  cyclesPerOp: Record<OpKind, number>;
  sources: Record<OpKind, string>;
  /** Cycles of an op inside a sequence, where that differs from back to back (optional). */
  inSequence?: { cyclesPerOp: Partial<Record<OpKind, number>>; sources: Partial<Record<OpKind, string>> };
}

/** Where the shipped profile lives (read by the Node CLI; a page fetches it). */
export const SHIPPED_PROFILE_URL = new URL("../../../profiles/amd-epyc-zen5-2vcpu.json", import.meta.url);

/** No primitive costs more than this many cycles: a larger number is a unit mistake (ns for ps), and products stay finite. */
export const MAX_CYCLES_PER_OP = 10_000;
/** The clock a profile may claim, in GHz. */
export const MAX_GHZ = 100;

const show = (v: unknown) => (v === undefined ? "nothing" : typeof v === "string" ? JSON.stringify(v) : `${typeof v} ${JSON.stringify(v)}`);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Parse and check a profile (`path` names it in errors): schema, `name` and `source`
 * non-empty strings, `ghz` a finite number in (0, MAX_GHZ], `cyclesPerOp` a finite number
 * of cycles in (0, MAX_CYCLES_PER_OP] for every op kind and no other key, `sources` a
 * non-empty string for every op kind and no other key.
 */
export function parseProfile(text: string, path: string): CostProfile {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (e) {
    throw new Error(`cost profile ${path} is not JSON: ${(e as Error).message}`);
  }
  const bad = (field: string, expected: string, got: unknown) =>
    new Error(`cost profile ${path}: ${field} must be ${expected}; got ${show(got)} (fix the file, or write a new one with rcu-lab calibrate)`);
  if (!isObject(p)) throw new Error(`${path} is not a cost profile: expected a JSON object with schema "rcu-lab/cost-profile@1"; got ${show(p)}`);
  if (p.schema !== "rcu-lab/cost-profile@1") throw new Error(`${String(path)} is not a cost profile (schema ${JSON.stringify(p.schema)}, expected "rcu-lab/cost-profile@1")`);
  for (const [field, check, expected] of [
    ["cyclesPerOp", (v: unknown) => typeof v === "number" && Number.isFinite(v) && v > 0 && v <= MAX_CYCLES_PER_OP, `a number of cycles in (0, ${MAX_CYCLES_PER_OP}]`],
    ["sources", (v: unknown) => typeof v === "string" && v.trim() !== "", "a non-empty string saying where the number comes from"],
  ] as const) {
    const o = p[field];
    if (!isObject(o)) throw bad(field, `an object with one entry per op kind (${OP_KINDS.join(", ")})`, o);
    for (const k of OP_KINDS) if (!check(o[k])) throw bad(`${field}.${k}`, expected, o[k]);
    const extra = Object.keys(o).filter((k) => !(OP_KINDS as readonly string[]).includes(k));
    if (extra.length) throw bad(field, `keyed by op kinds only (${OP_KINDS.join(", ")})`, `unknown keys ${extra.join(", ")}`);
  }
  for (const f of ["name", "source"]) if (typeof p[f] !== "string" || !(p[f] as string).trim()) throw bad(f, "a non-empty string", p[f]);
  if (typeof p.ghz !== "number" || !Number.isFinite(p.ghz) || p.ghz <= 0 || p.ghz > MAX_GHZ) throw bad("ghz", `a clock in GHz, a number in (0, ${MAX_GHZ}]`, p.ghz);
  if (p.inSequence !== undefined) {
    const q = p.inSequence;
    if (!isObject(q) || !isObject(q.cyclesPerOp) || !isObject(q.sources)) {
      throw bad("inSequence", "an object { cyclesPerOp, sources }, each keyed by op kinds", q);
    }
    for (const [k, v] of Object.entries(q.cyclesPerOp)) {
      if (!(OP_KINDS as readonly string[]).includes(k)) throw bad("inSequence.cyclesPerOp", `keyed by op kinds only (${OP_KINDS.join(", ")})`, `unknown key ${k}`);
      // A marginal cost may be 0 (the op hides entirely in the work around it), never negative.
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > MAX_CYCLES_PER_OP) throw bad(`inSequence.cyclesPerOp.${k}`, `a number of cycles in [0, ${MAX_CYCLES_PER_OP}]`, v);
      const src = q.sources[k];
      if (typeof src !== "string" || !src.trim()) throw bad(`inSequence.sources.${k}`, "a non-empty string saying where the number comes from", src);
    }
    const extra = Object.keys(q).filter((k) => k !== "cyclesPerOp" && k !== "sources");
    if (extra.length) throw bad("inSequence", "an object with cyclesPerOp and sources only", `unknown keys ${extra.join(", ")}`);
  }
  return p as unknown as CostProfile;
}

/** The cycles the model charges for one op of kind `k`: its in-sequence cost where the profile has one. */
export function modeledCyclesPerOp(p: CostProfile, k: OpKind): number {
  return p.inSequence?.cyclesPerOp[k] ?? p.cyclesPerOp[k];
}

/** Where the cost the model charges for op kind `k` comes from (the source of modeledCyclesPerOp). */
export function modeledSource(p: CostProfile, k: OpKind): string {
  return p.inSequence?.cyclesPerOp[k] !== undefined ? (p.inSequence.sources[k] ?? p.sources[k]) : p.sources[k];
}

/** Modeled cycles of one call: op counts x each op's cost in a sequence. */
export function modeledCycles(ops: Record<OpKind, number>, p: CostProfile): number {
  return OP_KINDS.reduce((sum, k) => sum + ops[k] * modeledCyclesPerOp(p, k), 0);
}
