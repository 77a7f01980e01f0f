// rcu-lab torture: the rcutorture-style oracle. CPU 0 is the writer, the other CPUs are
// readers; the host drives reader batches (each runs inside WebAssembly), collects the
// per-CPU histograms and counters into a report. A run fails when any Reader Pipe
// bucket past index 1 is non-zero (a grace period ended under a reader) or a reader saw
// a freed (poisoned) element. cli/render-torture.ts prints rcutorture's lines.
import { FAULT_NAMES, globalName, type FaultName } from "../abi/constants.js";
import { perCpuAddr } from "../abi/layout.js";
import { SrcuStruct, type RcuFlavor } from "../kernel/rcu.js";
import type { Machine } from "../machine/machine.js";
import { seedCpus, sumUsageErrors } from "./torture-setup.js";
import { missing, type Verdict } from "./verdict.js";

export const TORTURE_FLAVORS = ["rcu", "srcu", "srcu-fast"] as const;
export type TortureFlavor = (typeof TORTURE_FLAVORS)[number];

/**
 * The flavors each fault acts on: their runs execute the broken code AND their oracle checks
 * what it breaks (else the run would PASS having tested nothing: refused). srcutree.c's faults
 * break SRCU and SRCU-fast; reader-in-eqs is an RCU reader's; tree RCU's engine (gp-*) acts
 * on RCU readers only: SRCU-fast runs evaluate its branches (X, the RCU grace period that
 * stands for barrier A) but no run shows a shortened X (2 s runs of each PASS; explore
 * srcu-fast-task --tso --bound 2: nothing in 20 s). test/verdicts.test.ts checks this table
 * against the stepping build's branch counts (faultReach) both ways.
 */
export const FAULT_FLAVORS: Readonly<Record<FaultName, readonly TortureFlavor[]>> = {
  "reader-in-eqs": ["rcu"],
  "gp-skip-cpu": ["rcu"],
  "gp-ignore-nesting": ["rcu"],
  "gp-accept-stale": ["rcu"],
  "srcu-no-flip": ["srcu", "srcu-fast"],
  "srcu-no-scan1": ["srcu", "srcu-fast"],
  // The v5.8 interrupt entry's rcu_is_watching() shortcut (3eeec3858488): RCU readers in a
  // softirq over idle with a nested tick (also the tick of tracepoint torture's `tick` probe).
  "irq-entry-watching-shortcut": ["rcu"],
  // Broken variants no torture run reaches (legal scheduling points, ticks and NMIs): kept by
  // test/rcu-fidelity, kernel-paths, irq-paths, scenarios and recursion tests.
  "sched-preempt-mask-only": [], "tick-trusts-user": [], "nmi-nest-unchecked": [], "srcu-sync-unchecked": [], "trace-irq-no-guard": [],
  "entry-plain-tracepoint": [], "irq-exit-ignores-rcu-exit": [], "idle-plain-tracepoint": [], "nmi-trace-before-rcu": [],
  "preempt-trace-every-level": [], "rcuidle-body-ignored": [], "rec-guard-broken": [], "poke-emulates-old": [],
  "srcu-no-barrier-b": [], // stepping build only: rcu-lab explore --tso
  "exp-qs-in-reader": ["rcu"], // rcu_exp_handler() reporting inside a reader: with expedited: true only
};

/** The faults some flavor's torture run acts on: what `torture --fault` accepts and its --help offers. */
export const TORTURE_ACCEPTED_FAULTS: readonly FaultName[] = FAULT_NAMES.filter((f) => FAULT_FLAVORS[f].length > 0);

/** Faults the torture test is expected to catch, with the flavor each one breaks. */
export const TORTURE_FAULTS: Record<string, TortureFlavor> = {
  "reader-in-eqs": "rcu",
  "gp-skip-cpu": "rcu",
  "gp-ignore-nesting": "rcu",
  "srcu-no-flip": "srcu",
  "srcu-no-scan1": "srcu",
  "irq-entry-watching-shortcut": "rcu",
};

export interface TortureOptions {
  flavor: TortureFlavor;
  seconds: number;
  seed: number;
  fault?: FaultName;
  /** Reader delays: 1-in-N sections get a long (1-5 ms) delay; 0 = never. */
  longDelayRate?: number;
  /** SRCU flavors: 1-in-N task sections stall between reading the index and the increment. */
  stallRate?: number;
  /** SRCU flavors: 1-in-N task sections migrate to another CPU inside the section. */
  migrateRate?: number;
  expedited?: boolean; // flavor rcu: the writer waits with synchronize_rcu_expedited() (IPIs, assembly/rcu/tree_exp.ts)
  /** Called about every 500 ms with the progress so far. */
  onProgress?: (p: TortureProgress) => void;
}

export interface TortureProgress {
  elapsedS: number;
  seconds: number;
  gracePeriods: number;
  sections: number;
  pipeErrors: number;
  mberrors: number;
}

export interface TortureReport {
  schema: "rcu-lab/torture@1";
  flavor: TortureFlavor;
  fault: FaultName | null;
  cpus: number;
  cores: number;
  seconds: number;
  seed: number;
  settings: { longDelayRate: number; stallRate: number; migrateRate: number };
  /** rcu_torture_count[]: sections by the pipe count seen at their end. */
  readerPipe: number[];
  /** rcu_torture_batch[]: sections by grace periods (RCU) or flips (SRCU) seen during them. */
  readerBatch: number[];
  /** rcu_torture_wcount[]. */
  freeBlockCirculation: number[];
  allocs: number;
  frees: number;
  gracePeriods: number;
  sections: number;
  /** Reads of a poisoned (freed) element (rtmbe). */
  mberrors: number;
  longDelays: number;
  stalls: number;
  migrations: number;
  usageErrors: Record<string, number>;
  /** Too-short grace periods: sections in Reader Pipe buckets 2 and up. */
  pipeErrors: number;
  /**
   * PASS: grace periods ended, elements were freed, readers ran, and no reader saw a
   * too-short grace period or a freed element. FAIL: one did. INCONCLUSIVE: the oracle saw
   * no grace period, no freed element or no reader section: nothing was tested.
   */
  verdict: Verdict;
  /** Why the verdict, in one sentence. */
  reason: string;
  /** verdict === "PASS" (kept for compatibility). */
  passed: boolean;
}

const DEFAULTS = { longDelayRate: 64, stallRate: 64, migrateRate: 64 };

function readU64s(m: Machine, addr: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => m.readU64(addr + 8 * i));
}

function readerStats(m: Machine) {
  const L = m.layout;
  const len = L.RCU_TORTURE_PIPE_LEN + 1;
  const pipe = new Array<number>(len).fill(0), batch = new Array<number>(len).fill(0);
  const misc = { mberrors: 0, sections: 0, migrations: 0, stalls: 0, longDelays: 0 };
  for (let cpu = 0; cpu < m.cpus; cpu++) {
    readU64s(m, perCpuAddr(L, cpu, L.PCPU_TORTURE_PIPE), len).forEach((x, i) => (pipe[i] += x));
    readU64s(m, perCpuAddr(L, cpu, L.PCPU_TORTURE_BATCH), len).forEach((x, i) => (batch[i] += x));
    const tm = (field: number) => m.readU64(perCpuAddr(L, cpu, L.PCPU_TORTURE_MISC + field));
    misc.mberrors += tm(L.TM_MBERROR);
    misc.sections += tm(L.TM_SECTIONS);
    misc.migrations += tm(L.TM_MIGRATIONS);
    misc.stalls += tm(L.TM_STALLS);
    misc.longDelays += tm(L.TM_LONG_DELAYS);
  }
  return { pipe, batch, ...misc };
}

function resetReaderStats(m: Machine): void {
  const L = m.layout;
  const u8 = new Uint8Array(m.memory.buffer);
  for (let cpu = 0; cpu < m.cpus; cpu++) {
    // The statistics end where the reader configuration (TM_CFG_*) begins.
    u8.fill(0, perCpuAddr(L, cpu, L.PCPU_TORTURE_PIPE), perCpuAddr(L, cpu, L.PCPU_TORTURE_MISC) + L.TM_CFG_LONG);
  }
}

export async function runTorture(m: Machine, o: TortureOptions): Promise<TortureReport> {
  if (!TORTURE_FLAVORS.includes(o.flavor)) {
    throw new RangeError(`unknown flavor '${o.flavor}'; expected one of: ${TORTURE_FLAVORS.join(", ")}`);
  }
  if (!(o.seconds > 0) || o.seconds > 3600) throw new RangeError(`seconds must be in (0, 3600]; got ${o.seconds}`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) throw new RangeError(`seed must be an integer in 0..4294967295; got ${o.seed}`);
  if (o.fault !== undefined && !FAULT_NAMES.includes(o.fault)) {
    throw new RangeError(`unknown fault '${o.fault}'; expected one of: ${FAULT_NAMES.join(", ")}`);
  }
  if (o.fault !== undefined && FAULT_FLAVORS[o.fault].length === 0) {
    throw new RangeError(`fault '${o.fault}' is a broken variant for the unit tests: no torture run executes its code, so the run would test nothing; faults a torture run reaches: ${TORTURE_ACCEPTED_FAULTS.join(", ")}`);
  }
  if (o.fault !== undefined && !FAULT_FLAVORS[o.fault].includes(o.flavor)) {
    throw new RangeError(
      `fault '${o.fault}' does not apply to flavor '${o.flavor}': it acts only on ${FAULT_FLAVORS[o.fault].join(" and ")} runs (what it breaks is what their oracle checks), ` +
        `so the run would test nothing; use --flavor ${FAULT_FLAVORS[o.fault][0]} with it, or a fault of ${o.flavor}: ` +
        `${FAULT_NAMES.filter((f) => FAULT_FLAVORS[f].includes(o.flavor)).join(", ")}`,
    );
  }
  if (o.expedited && o.flavor !== "rcu") throw new RangeError(`expedited torture is for flavor rcu (synchronize_rcu_expedited()); got flavor '${o.flavor}'`);
  if (o.fault === "exp-qs-in-reader" && !o.expedited) throw new RangeError("fault 'exp-qs-in-reader' breaks expedited grace periods: run it with expedited: true");
  if (m.cpus < 2) throw new RangeError(`torture needs at least 2 CPUs (a writer and a reader); got ${m.cpus}`);
  const settings = {
    longDelayRate: o.longDelayRate ?? DEFAULTS.longDelayRate,
    stallRate: o.stallRate ?? DEFAULTS.stallRate,
    migrateRate: o.migrateRate ?? DEFAULTS.migrateRate,
  };
  // The read side by rcutorture's ops (TORTURE_*), the update side through the flavor table.
  const flavor = m.layout[globalName("TORTURE", o.flavor)];
  const sspName = `torture_${o.flavor}`;
  const gp: RcuFlavor = o.flavor === "rcu" ? m.rcu : m.hasSrcu(sspName) ? m.srcu(sspName) : m.initSrcu(sspName, o.flavor);
  const ssp = gp instanceof SrcuStruct ? gp.index : 0; // unused by the RCU read side
  const readers = [...Array(m.cpus).keys()].slice(1);

  m.setFaults(o.fault ? [o.fault] : [], readers[0]); // gp-skip-cpu skips the first reader
  resetReaderStats(m);
  await m.run(0, "torture_writer_init");
  await seedCpus(m, o.seed);
  await m.runAll("torture_reader_config", [settings.longDelayRate, settings.stallRate, settings.migrateRate]);

  const durationMs = o.seconds * 1000;
  const t0 = Date.now();
  const domain = o.expedited ? m.layout.GP_DOMAIN_RCU_EXP : gp.domain;
  const writer = m.run(0, "torture_writer", [durationMs, domain], { deadlineMs: durationMs + 60_000 });
  const gpsSoFar = () => m.readU64(m.layout.TORTURE_N_GPS);
  const progress = setInterval(() => {
    const s = readerStats(m);
    o.onProgress?.({
      elapsedS: (Date.now() - t0) / 1000, seconds: o.seconds, gracePeriods: gpsSoFar(), sections: s.sections,
      pipeErrors: s.pipe.slice(2).reduce((a, b) => a + b, 0), mberrors: s.mberrors,
    });
  }, 500);
  try {
    await Promise.all(
      readers.map(async (cpu) => {
        while (Date.now() - t0 < durationMs) await m.run(cpu, "torture_reader_batch", [200, flavor, ssp]);
      }),
    );
    await m.run(readers[0], "torture_reader_drain");
    await writer;
  } finally {
    clearInterval(progress);
    m.setFaults([]);
  }

  const s = readerStats(m);
  const L = m.layout;
  const wcount = readU64s(m, L.TORTURE_WCOUNT, L.RCU_TORTURE_PIPE_LEN + 1);
  const [allocs, frees, gracePeriods] = [L.TORTURE_N_ALLOC, L.TORTURE_N_FREE, L.TORTURE_N_GPS].map((a) => m.readU64(a));
  const usageErrors = sumUsageErrors(m);
  const pipeErrors = s.pipe.slice(2).reduce((a, b) => a + b, 0);
  const { verdict, reason } = judge(pipeErrors, s.mberrors, { "grace period": gracePeriods, "freed element": frees, "reader section": s.sections });
  return {
    schema: "rcu-lab/torture@1", flavor: o.flavor, fault: o.fault ?? null, cpus: m.cpus, cores: m.platform.cores(),
    seconds: o.seconds, seed: o.seed, settings, readerPipe: s.pipe, readerBatch: s.batch, freeBlockCirculation: wcount,
    allocs, frees, gracePeriods, sections: s.sections, mberrors: s.mberrors, longDelays: s.longDelays, stalls: s.stalls,
    migrations: s.migrations, usageErrors, pipeErrors, verdict, reason, passed: verdict === "PASS",
  };
}

function judge(pipeErrors: number, mberrors: number, seen: Record<string, number>): { verdict: Verdict; reason: string } {
  if (pipeErrors || mberrors) {
    const why = [];
    if (pipeErrors) why.push(`${pipeErrors} sections saw a too-short grace period (Reader Pipe past index 1)`);
    if (mberrors) why.push(`${mberrors} reads of a freed (poisoned) element`);
    return { verdict: "FAIL", reason: why.join("; ") };
  }
  const none = missing(seen);
  if (none.length) {
    return {
      verdict: "INCONCLUSIVE",
      reason: `the oracle saw no ${none.join(", no ")} (${Object.entries(seen).map(([k, v]) => `${k}s: ${v}`).join(", ")}), so nothing was tested; run longer (--seconds)`,
    };
  }
  return { verdict: "PASS", reason: "no reader saw a grace period end under it, no freed element was read" };
}
