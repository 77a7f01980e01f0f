// The one measurement loop of every runner: an untimed warm-up (JIT tiers, caches, the
// CPU's clock ramping up from idle; see warmupPlan), then `reps` timed batches of `iterations` operations on each CPU asked for, all
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
  /** Run before each timed batch (untimed): a scenario's update-side churn. */
  beforeBatch?: () => Promise<void>;
  /**
   * Measure the clock beside every timed batch: a short calibrate_chain batch on the same
   * CPUs before the first timed batch and after each, so that each batch's cycles per
   * operation come from the clock of its own moment (the mean of the clock just before and
   * just after it). A CPU's frequency can move by 10% from one minute to the next (turbo,
   * the host's other work); ns follow it, cycles measured this way do not.
   */
  clockBeside?: boolean;
}

/** Iterations of one clock batch beside a timed batch: 8 M cycles, about 2 ms at 4 GHz. */
export const CLOCK_BESIDE_ITERATIONS = 1_000_000;

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
  /** The untimed warm-up: operations per CPU, and ms it ran (the least over the CPUs). */
  readonly warmup: { readonly ops: number; readonly ms: number };
  /**
   * With `clockBeside`: cycles per operation (each batch's ns x the clock beside it), summarized
   * as nsPerOp is; and the clock in GHz over every clock batch of every CPU.
   */
  readonly cyclesPerOp?: Summary;
  readonly ghzBeside?: Summary;
}

/**
 * The untimed warm-up before the timed batches. A tenth of a timed batch alone was too
 * little: at 10k-100k iterations it is 1k-10k operations, microseconds, and the first timed
 * batch then ran 1.3-5.5x slower than the next (the clock ramping up from idle, code and
 * data not yet hot). So it runs batches of at least WARMUP_MIN_OPS operations (and at least
 * a tenth of the timed batch), doubling, until every CPU has run at least WARMUP_MIN_MS ms,
 * or WARMUP_MAX_BATCHES batches for a command so slow that would never end.
 */
export const WARMUP_MIN_OPS = 100_000;
/** ms of warm-up every CPU runs at least (measured by each CPU's worker). */
export const WARMUP_MIN_MS = 50;
export const WARMUP_MAX_BATCHES = 12;
const U32_MAX = 2 ** 32 - 1;

/** The first warm-up batch for a timed batch of `iterations`: max(WARMUP_MIN_OPS, iterations / 10). */
export const warmupIterations = (iterations: number) => Math.min(U32_MAX, Math.max(WARMUP_MIN_OPS, Math.floor(iterations / 10)));

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
  let batch = warmupIterations(iterations), warm = 0, warmMs = 0;
  for (let k = 0; k < WARMUP_MAX_BATCHES && warmMs < WARMUP_MIN_MS; k++, batch = Math.min(U32_MAX, batch * 2)) {
    const res = await m.runAll(command, [batch, ...rest], { cpus, barrier: true });
    warm += batch;
    warmMs += Math.min(...res.map((x) => x.elapsedNs)) / 1e6;
  }
  const samples: number[][] = cpus.map(() => []);
  const cycles: number[][] = cpus.map(() => []), ghz: number[] = [];
  // GHz of each CPU over one clock batch (calibrate_chain: CALIBRATE_CHAIN_OPS cycles per iteration).
  const clock = async () => (await m.runAll("calibrate_chain", [CLOCK_BESIDE_ITERATIONS, 3, 5], { cpus, barrier: true }))
    .map((x) => (CLOCK_BESIDE_ITERATIONS * m.layout.CALIBRATE_CHAIN_OPS) / x.elapsedNs);
  let before = s.clockBeside ? await clock() : [];
  if (s.clockBeside) ghz.push(...before);
  for (let r = 0; r < reps; r++) {
    await s.beforeBatch?.();
    const res = await m.runAll(command, [iterations, ...rest], { cpus, barrier: true });
    res.forEach((x, i) => samples[i].push(x.elapsedNs / iterations));
    if (s.clockBeside) {
      const after = await clock();
      ghz.push(...after);
      res.forEach((x, i) => cycles[i].push((x.elapsedNs / iterations) * ((before[i] + after[i]) / 2)));
      before = after;
    }
  }
  const calls = (warm + reps * iterations) * cpus.length;
  const perCpu = cpus.map((cpu, i) => ({ cpu, nsPerOp: summarize(samples[i]) }));
  const overCpus = (per: number[][]): Summary => ({ ...summarize(per.map((c) => summarize(c).median)), min: Math.min(...per.flat()), max: Math.max(...per.flat()), n: reps });
  return {
    perCpu, samples, calls,
    nsPerOp: overCpus(samples),
    ...(s.clockBeside ? { cyclesPerOp: overCpus(cycles), ghzBeside: summarize(ghz) } : {}),
    usageErrorsPerCall: (usageTotal(m, cpus) - usage0) / calls,
    warmup: { ops: warm, ms: warmMs },
  };
}
