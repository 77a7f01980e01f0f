// The one measurement loop of every runner: a warm-up batch (JIT tiers, caches; not
// timed), then `reps` timed batches of `iterations` operations on each CPU asked for, all
// CPUs starting together at the start barrier. Each batch is one call into WebAssembly on
// each CPU; the CPU's worker times it. Reported per CPU (median [min-max] over the
// repetitions) and over CPUs (median of the per-CPU medians; min and max over every
// sample), plus the usage errors the calls made, counted from the calls actually run.
import type { Machine } from "../machine/machine.js";
import { summarize, type Summary } from "./stats.js";

export interface MeasureSpec {
  /** The exported loop: its first argument is the iteration count. */
  command: string;
  /** The loop's other arguments. */
  args?: readonly number[];
  iterations: number;
  reps: number;
  cpus: readonly number[];
}

export interface Measurement {
  /** ns per operation, per CPU that ran (in the order of `cpus`). */
  readonly perCpu: readonly { cpu: number; nsPerOp: Summary }[];
  /** Median over CPUs of their median ns/op; min and max over all samples; n = reps. */
  readonly nsPerOp: Summary;
  /** Every sample, per CPU: ns per operation of each timed batch. */
  readonly samples: readonly (readonly number[])[];
  /** Operations run, warm-up included (every CPU). */
  readonly calls: number;
  /** Usage errors counted on the CPUs during the measurement, per operation run. */
  readonly usageErrorsPerCall: number;
}

/** A warm-up batch: a tenth of the timed one, at least one operation. */
export const warmupIterations = (iterations: number) => Math.max(1, Math.floor(iterations / 10));

function usageTotal(m: Machine, cpus: readonly number[]): number {
  return cpus.reduce((a, c) => a + Object.values(m.usageErrors(c)).reduce((x, y) => x + y, 0), 0);
}

export function checkIterations(iterations: number, reps: number, maxReps = 1000): void {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 2 ** 32 - 1) {
    throw new RangeError(`iterations must be an integer in 1..${2 ** 32 - 1} (a u32 loop count); got ${iterations}`);
  }
  if (!Number.isInteger(reps) || reps < 1 || reps > maxReps) throw new RangeError(`reps must be an integer in 1..${maxReps}; got ${reps}`);
}

export async function measure(m: Machine, s: MeasureSpec): Promise<Measurement> {
  const { command, iterations, reps, cpus } = s;
  const rest = s.args ?? [];
  const usage0 = usageTotal(m, cpus);
  const warm = warmupIterations(iterations);
  await m.runAll(command, [warm, ...rest], { cpus, barrier: true });
  const samples: number[][] = cpus.map(() => []);
  for (let r = 0; r < reps; r++) {
    const res = await m.runAll(command, [iterations, ...rest], { cpus, barrier: true });
    res.forEach((x, i) => samples[i].push(x.elapsedNs / iterations));
  }
  const calls = (warm + reps * iterations) * cpus.length;
  const perCpu = cpus.map((cpu, i) => ({ cpu, nsPerOp: summarize(samples[i]) }));
  const all = samples.flat();
  return {
    perCpu, samples, calls,
    nsPerOp: { ...summarize(perCpu.map((c) => c.nsPerOp.median)), min: Math.min(...all), max: Math.max(...all), n: reps },
    usageErrorsPerCall: (usageTotal(m, cpus) - usage0) / calls,
  };
}
