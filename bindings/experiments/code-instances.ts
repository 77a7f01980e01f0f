// A figure over several independently compiled code instances (abi/code-instance.ts): where
// the engine places the machine code can move a figure from one process to the next, so the
// bench measures each row on several copies and reports the median of their medians.
import { summarize, type Summary } from "./stats.js";

/**
 * Above this spread of the middle instances (instanceSpread) a row is marked: its median
 * rests on instances that disagree, and a second invocation may not repeat it within 5%.
 * Measured on a quiet 2-vCPU Intel Xeon VM (Node 20.20.2), 7 instances: middle spreads of
 * 0.2-8% in cycles, and every row's median within 0.1-3.8% over five invocations
 * (docs/performance.md, "Figures that repeat").
 */
export const INSTANCE_SPREAD_LIMIT = 0.1;

/**
 * The figure of one row over the code instances (ns or cycles per call): the median of their
 * medians, with the range of those medians (n = instances). One instance: its own figure.
 * instanceSpread: (max - min) / median of the middle instances' medians (all but the highest
 * and the lowest from 5 instances on): what moves the median, one outlying instance aside.
 */
export function acrossInstances(per: readonly Summary[]): { nsPerCall: Summary; instanceSpread: number } {
  if (per.length === 1) return { nsPerCall: per[0], instanceSpread: 0 };
  const s = summarize(per.map((x) => x.median));
  const sorted = per.map((x) => x.median).sort((a, b) => a - b);
  const middle = sorted.length >= 5 ? sorted.slice(1, -1) : sorted;
  return { nsPerCall: s, instanceSpread: (middle[middle.length - 1] - middle[0]) / s.median };
}

