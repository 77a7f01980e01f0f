// Cost profiles: the cycles of each op kind of the counting build, and the model built on
// them, modeled cycles = op counts x profile. Profiles are measured by calibrate.ts or
// shipped with their source (profiles/).
import { OP_KINDS, type OpKind } from "../abi/constants.js";

export interface CostProfile {
  schema: "rcu-lab/cost-profile@1";
  name: string;
  source: string;
  ghz: number;
  cyclesPerOp: Record<OpKind, number>;
  sources: Record<OpKind, string>;
}

/** Where the shipped profile lives (read by the Node CLI; a page fetches it). */
export const SHIPPED_PROFILE_URL = new URL("../../../profiles/amd-epyc-zen5-2vcpu.json", import.meta.url);

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
