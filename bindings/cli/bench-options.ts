// The parsers of rcu-lab bench's own options: --max-spread and the repeatable --cost.
import { InvalidArgumentError } from "commander";
import { parseCostSetting } from "../experiments/model-inputs.js";
import { positiveNumber } from "./options.js";

/** --max-spread <ratio>: the widest max/min GHz over the clock's batches that counts as steady. */
export function maxSpreadArg(v: string): number {
  const n = positiveNumber("--max-spread")(v);
  if (n <= 1) throw new InvalidArgumentError(`--max-spread must be a ratio > 1 (max/min of the clock's batches); got '${v}'`);
  return n;
}

/** --cost NAME=CYCLES, repeatable: the costs set so far by name; each name once. */
export function costArg(v: string, prev: Record<string, number> = {}): Record<string, number> {
  let c: { name: string; cycles: number };
  try {
    c = parseCostSetting(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  if (c.name in prev) throw new InvalidArgumentError(`--cost ${c.name} given twice (${c.name}=${prev[c.name]}, ${v}): give each cost once`);
  return { ...prev, [c.name]: c.cycles };
}
