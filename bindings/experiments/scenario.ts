// rcu-lab run <file>: a scenario's path mix measured once per (variant, strategy) on the
// release build (ns per path, median [min-max] over reps), and run again on the counting
// build for what is exact: op counts per path, the share of each path actually drawn, the
// rcuidle tracepoint's calls and how many found RCU already watching (R4).
import type { OpKind } from "../abi/constants.js";
import { Machine } from "../machine/machine.js";
import type { Platform } from "../platform/types.js";
import { measure } from "./measure.js";
import type { MixEntry, Scenario, Variant } from "./scenario-parse.js";
import { pathCounts, rcuidleStats, setBody, standsFor, writeMix, type BodyDef } from "./scenario-paths.js";
import type { Summary } from "./stats.js";
import { seedCpus } from "./torture-setup.js";

export const SCENARIO_REPORT_SCHEMA = "rcu-lab/scenario@1";

export interface ScenarioRow {
  readonly variant: string;
  readonly nohzFull: boolean;
  readonly strategy: string;
  readonly standsFor: string;
  /** ns per path of the mix (one iteration: the draw and one path), median over CPUs, min-max over every batch. */
  readonly nsPerPath: Summary;
  /** This row minus the baseline row of the same variant (medians; min = row.min - base.max, max = row.max - base.min). */
  readonly vsBaseline?: Summary & { readonly ratio: number };
  /** Usage errors (a tracepoint where RCU is not watching, ...) per path, in the timed runs. */
  readonly usageErrorsPerPath: number;
  /** Share of each path in the iterations the release run drew ("syscall@v5.6": 0.5). */
  readonly pathShare: Readonly<Record<string, number>>;
  /** Counting build: kernel ops per path of the mix, by kind. */
  readonly opsPerPath: Readonly<Record<OpKind, number>>;
  /**
   * Counting build: calls of the rcuidle irq_disable/irq_enable tracepoint per path (sites
   * reached, whether its key is on or not), and the share that found RCU already watching;
   * the same for trace_hardirqs_off's irq_disable alone.
   */
  readonly rcuidle: {
    readonly callsPerPath: number; readonly watchingShare: number | null;
    readonly offCallsPerPath: number; readonly offWatchingShare: number | null;
  };
}

export interface ScenarioReport {
  readonly schema: typeof SCENARIO_REPORT_SCHEMA;
  readonly scenario: { readonly name: string; readonly description: string; readonly claim?: Scenario["claim"] };
  readonly machine: { readonly cpus: number; readonly cores: number; readonly oversubscribed: boolean };
  readonly settings: {
    readonly iterations: number; readonly reps: number; readonly seed: number; readonly probes: readonly string[];
    readonly updaterCyclesPerBatch: number; readonly countingIterations: number;
  };
  readonly notes: readonly string[];
  readonly rows: readonly ScenarioRow[];
}

export interface RunScenarioOptions {
  readonly platform: Platform;
  readonly deadlineMs?: number;
  readonly onProgress?: (done: number, total: number, what: string) => void;
  /** Divide iterations by this (tests: a shortened run); reps become min(reps, 2). */
  readonly shorten?: number;
}

const TP_NAME = "irq_disable_enable";
const key = (e: MixEntry) => `${e.path.name}@${e.path.kernel}`;

/** The tracepoint and the probes the strategy's key needs; returns the unregister step. */
export async function attachProbes(m: Machine, s: BodyDef, probes: Scenario["probes"]): Promise<() => Promise<void>> {
  const tp = m.tracepoints.has(TP_NAME) ? m.tracepoints.get(TP_NAME) : m.tracepoints.define(TP_NAME);
  if (!s.keyEnabled) return async () => {};
  for (const p of probes) await m.tracepoints.retryWhileArenaFull(() => tp.register(p, p === "record" ? tp.id : 1));
  return async () => {
    for (const p of probes) tp.unregister(p, p === "record" ? tp.id : 1);
    await m.tracepoints.synchronizeUnregister();
  };
}

export const tracepointId = (m: Machine) => (m.tracepoints.has(TP_NAME) ? m.tracepoints.get(TP_NAME) : m.tracepoints.define(TP_NAME)).id;

/** Share of each mix entry in the paths counted between two snapshots (all CPUs). */
function shares(variant: Variant, m: Machine, before: number[][]): Record<string, number> {
  const after = Array.from({ length: m.cpus }, (_, c) => pathCounts(m, c));
  const ids = variant.mix.map((e) => m.layout[e.path.global]);
  const n = ids.map((id) => after.reduce((a, row, c) => a + row[id] - before[c][id], 0));
  const total = n.reduce((a, b) => a + b, 0) || 1;
  return Object.fromEntries(variant.mix.map((e, i) => [key(e), n[i] / total]));
}

/** The counting build's exact figures of one (variant, strategy), per path, on CPU 0. */
async function countRow(m: Machine, sc: Scenario, v: Variant, s: BodyDef, n: number) {
  writeMix(m, v.mix, tracepointId(m), v.nohzFull);
  setBody(m, s);
  const detach = await attachProbes(m, s, sc.probes);
  const ops0 = m.opCounts(0), st0 = rcuidleStats(m, 0);
  await m.run(0, "path_mix", [n]);
  const ops1 = m.opCounts(0), st1 = rcuidleStats(m, 0);
  await detach();
  const opsPerPath = Object.fromEntries(Object.keys(ops1).map((k) => [k, (ops1[k as OpKind] - ops0[k as OpKind]) / n])) as Record<OpKind, number>;
  const calls = st1.calls - st0.calls, off = st1.offCalls - st0.offCalls;
  return {
    opsPerPath,
    rcuidle: {
      callsPerPath: calls / n, watchingShare: calls ? (st1.watching - st0.watching) / calls : null,
      offCallsPerPath: off / n, offWatchingShare: off ? (st1.offWatching - st0.offWatching) / off : null,
    },
  };
}

/** Machine of the scenario's CPUs, seeded. Between commands each CPU runs the idle loop (an extended quiescent state, so grace periods complete); a command starts in task context. */
async function machineFor(sc: Scenario, o: RunScenarioOptions, build: "release" | "counting" | "tracing"): Promise<Machine> {
  const m = await Machine.create({ cpus: sc.cpus, build, platform: o.platform, deadlineMs: o.deadlineMs });
  try {
    tracepointId(m);
    await seedCpus(m, sc.seed);
    applyInterrupts(m, sc);
    return m;
  } catch (e) {
    await m.close();
    throw e;
  }
}

/**
 * The scenario's interrupt schedule on every CPU (bindings/kernel/interrupts.ts): the tick
 * through the x86 entry of its kernel version, device interrupts through irq_enter()/irq_exit().
 */
function applyInterrupts(m: Machine, sc: Scenario): void {
  const i = sc.interrupts;
  if (!i || i.kind === "none") return;
  const entry = i.kernel === "v5.8" ? "x86-v5.8" : "x86-v5.6";
  for (let c = 0; c < sc.cpus; c++) {
    if (i.kind === "tick") m.interrupts.configure(c, { kind: "tick", hz: i.hz! }, { entry });
    else if (i.kind === "every-n-ops") m.interrupts.configure(c, { kind: "every", ops: i.everyOps! }, { entry });
    else m.interrupts.configure(c, { kind: "random", seed: (sc.seed + c) >>> 0, meanOps: i.meanOps! }, { entry });
  }
}

/** Notes every report carries: what is applied, and how much to trust the numbers. */
export function scenarioNotes(sc: Scenario, cores: number): string[] {
  const notes: string[] = [];
  if (sc.interrupts && sc.interrupts.kind !== "none") {
    const i = sc.interrupts;
    const what = i.kind === "tick" ? `the scheduling-clock tick at ${i.hz} Hz through the x86 ${i.kernel ?? "v5.6"} entry code`
      : i.kind === "every-n-ops" ? `a device interrupt every ${i.everyOps} paths through irq_enter()/irq_exit()`
      : `device interrupts at random, mean ${i.meanOps} paths apart (seeded), through irq_enter()/irq_exit()`;
    notes.push(`interrupts: ${what}, taken between paths with interrupts on`);
  }
  if (sc.cpus >= cores) notes.push(`oversubscribed: ${sc.cpus} CPU workers + the grace-period kthread on ${cores} cores; ns figures include the host's scheduling`);
  notes.push("timing is from one machine at one time; on a shared host re-run and compare medians with their min-max, not single figures");
  return notes;
}

export async function runScenario(sc: Scenario, o: RunScenarioOptions): Promise<ScenarioReport> {
  const shorten = o.shorten ?? 1;
  const reps = shorten > 1 ? Math.min(sc.reps, 2) : sc.reps;
  const cores = o.platform.cores();
  const total = sc.variants.length * sc.strategies.length * 2;
  let done = 0;
  const step = (what: string) => o.onProgress?.(++done, total, what);
  const cpus = Array.from({ length: sc.cpus }, (_, i) => i);

  const m = await machineFor(sc, o, "release");
  const timed: { v: Variant; s: BodyDef; ns: Summary; usage: number; share: Record<string, number> }[] = [];
  let iterations = sc.iterations ?? 0;
  try {
    for (const v of sc.variants) {
      writeMix(m, v.mix, tracepointId(m), v.nohzFull);
      for (const s of sc.strategies) {
        setBody(m, s);
        const detach = await attachProbes(m, s, sc.probes);
        if (!iterations) {
          // durationMs: iterations from a first untimed batch of this mix
          const probe = 200_000;
          const r = await m.run(0, "path_mix", [probe]);
          iterations = Math.max(1000, Math.round((sc.durationMs! * 1e6) / Math.max(r.elapsedNs / probe, 0.01)));
        }
        const n = Math.max(1, Math.floor(iterations / shorten));
        const before = cpus.map((c) => pathCounts(m, c));
        const churn = sc.updater.cyclesPerBatch;
        const tp = m.tracepoints.get(TP_NAME);
        const meas = await measure(m, {
          command: "path_mix", iterations: n, reps, cpus,
          beforeBatch: churn ? async () => {
            for (let k = 0; k < churn; k++) {
              await m.tracepoints.retryWhileArenaFull(() => tp.register("empty", 7));
              await m.tracepoints.retryWhileArenaFull(() => tp.unregister("empty", 7));
            }
          } : undefined,
        });
        timed.push({ v, s, ns: meas.nsPerOp, usage: meas.usageErrorsPerCall, share: shares(v, m, before) });
        await detach();
        step(`${v.name} ${s.name}: ${meas.nsPerOp.median.toFixed(1)} ns/path`);
      }
    }
  } finally {
    await m.close();
  }

  const countingIterations = Math.max(1000, Math.min(20_000, Math.floor((sc.iterations ?? 20_000) / shorten)));
  const mc = await machineFor(sc, o, "counting");
  const rows: ScenarioRow[] = [];
  try {
    for (const t of timed) {
      const c = await countRow(mc, sc, t.v, t.s, countingIterations);
      step(`${t.v.name} ${t.s.name}: op counts`);
      const base = sc.baseline && timed.find((x) => x.v === t.v && x.s === sc.baseline);
      rows.push({
        variant: t.v.name, nohzFull: t.v.nohzFull, strategy: t.s.name, standsFor: standsFor(t.s.name), nsPerPath: t.ns,
        vsBaseline: base ? {
          median: t.ns.median - base.ns.median, min: t.ns.min - base.ns.max, max: t.ns.max - base.ns.min, n: t.ns.n, ratio: t.ns.median / base.ns.median,
        } : undefined,
        usageErrorsPerPath: t.usage, pathShare: t.share, ...c,
      });
    }
  } finally {
    await mc.close();
  }
  return {
    schema: SCENARIO_REPORT_SCHEMA,
    scenario: { name: sc.name, description: sc.description, claim: sc.claim },
    machine: { cpus: sc.cpus, cores, oversubscribed: sc.cpus >= cores },
    settings: {
      iterations: Math.max(1, Math.floor(iterations / shorten)), reps, seed: sc.seed, probes: sc.probes,
      updaterCyclesPerBatch: sc.updater.cyclesPerBatch, countingIterations,
    },
    notes: scenarioNotes(sc, cores),
    rows,
  };
}

