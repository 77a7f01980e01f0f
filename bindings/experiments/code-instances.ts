// A figure over several independently compiled code instances (abi/code-instance.ts): where
// the engine places the machine code can move a figure from one process to the next, so the
// bench measures each row on several copies and reports the median of their medians.
import { summarize, type Summary } from "./stats.js";

/**
 * Above this spread of the code instances' median cycles a row is marked: its figure depends
 * on where the engine placed the code, and a second invocation may not repeat it within 5%
 * (measured: rows whose instances spread 6-9% missed 5% over five invocations, rows under 5%
 * met it; docs/performance.md, "Figures that repeat").
 */
export const INSTANCE_SPREAD_LIMIT = 0.05;

/**
 * The figure of one row over the code instances (ns or cycles per call): the median of their
 * medians, with the range of those medians (n = instances). One instance: its own figure.
 */
export function acrossInstances(per: readonly Summary[]): { nsPerCall: Summary; instanceSpread: number } {
  if (per.length === 1) return { nsPerCall: per[0], instanceSpread: 0 };
  const s = summarize(per.map((x) => x.median));
  return { nsPerCall: s, instanceSpread: (s.max - s.min) / s.median };
}

