// What both torture runners (torture.ts, tp-torture.ts) set up and collect the same way:
// the per-CPU udelay() calibration and the usage errors summed over CPUs.
import { USAGE_KINDS, type UsageKind } from "../abi/constants.js";
import type { Machine } from "../machine/machine.js";

/** Spin iterations per microsecond on each CPU (for udelay()). */
export async function calibrateSpins(m: Machine): Promise<number[]> {
  const n = 2_000_000;
  const res = await m.runAll("torture_spin", [n]);
  return res.map((r) => Math.max(1, Math.round(n / (r.elapsedNs / 1000))));
}

/** Seed each CPU's torture PRNG from `seed` and give it its udelay() calibration. */
export async function seedCpus(m: Machine, seed: number): Promise<void> {
  const spins = await calibrateSpins(m);
  await m.runAll("torture_random_init", (cpu) => [(seed * 7919 + cpu * 104729) >>> 0, spins[cpu]]);
}

export type UsageCounts = Record<UsageKind, number>;

/** Usage errors of every CPU, summed by kind; minus `since` (an earlier sum) if given. */
export function sumUsageErrors(m: Machine, since?: UsageCounts): UsageCounts {
  const out = Object.fromEntries(USAGE_KINDS.map((k) => [k, -(since?.[k] ?? 0)])) as UsageCounts;
  for (let cpu = 0; cpu < m.cpus; cpu++) for (const [k, v] of Object.entries(m.usageErrors(cpu))) out[k as UsageKind] += v;
  return out;
}
