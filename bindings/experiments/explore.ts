// rcu-lab explore: search the interleavings of a small configuration for a violation of
// rcutorture's properties, checked before every access: no grace period that began after
// a reader's lock ends while the reader is inside, no freed element used, no usage error
// (the kernel's WARNs and lockdep splats, assembly/rcu/usage.ts). A counterexample is
// minimized (fewer deviations from the default schedule) and can be written to a replay file.
import { FAULT_NAMES, USAGE_KINDS, type FaultName } from "../abi/constants.js";
import { CONFIGS, configByName, type ExploreConfig } from "./explore-configs.js";
import { ExploreMachine } from "./explore-machine.js";
import { StoreBuffers } from "./explore-tso.js";
import type { Check, Recorder } from "./explore-types.js";
import type { Platform } from "../platform/types.js";
import { Exhaustive, pctPolicy, randomPolicy, replayPolicy, ticksFirstPolicy, type Deviation } from "./explore-schedulers.js";

export type SchedulerName = "exhaustive" | "random" | "pct";
export const SCHEDULERS: readonly SchedulerName[] = ["exhaustive", "random", "pct"];

export interface ExploreOptions {
  readonly config: ExploreConfig;
  readonly fault?: FaultName;
  readonly scheduler: SchedulerName;
  /** exhaustive: the deviation bound; pct: the depth d. */
  readonly bound: number;
  readonly seed: number;
  /** random and pct: schedules to run. */
  readonly schedules: number;
  readonly budgetSeconds: number;
  /** A run longer than this many accesses is cut (counted as truncated, not as a failure). */
  readonly maxSteps: number;
  readonly minimize: boolean;
  /** Execute under x86-TSO (per-CPU store buffers) instead of sequential consistency. */
  readonly tso?: boolean;
  /** Let deviations preempt the grace-period kthread too. */
  readonly preemptKthread?: boolean;
  readonly progress?: (schedules: number, elapsedS: number) => void;
}

export interface Counterexample {
  readonly violation: string;
  /** The access count at which the violation was seen. */
  readonly failedStep: number;
  readonly deviations: readonly Deviation[];
  /** Deviations before minimization. */
  readonly foundDeviations: number;
}

export interface ExploreResult {
  readonly status: "counterexample" | "clean" | "budget";
  readonly schedules: number;
  readonly truncated: number;
  readonly steps: number;
  readonly elapsedS: number;
  readonly counterexample?: Counterexample;
}

/** The properties, read from memory before every access. */
export function properties(m: ExploreMachine): Check {
  const g = m.g, u = m.u32;
  const mask = g.RCU_SEQ_STATE_MASK;
  const readers = m.threads.map((t, i) => (t.role === "updater" ? -1 : i)).filter((i) => i >= 0);
  const rec = (cpu: number, off: number) => (m.exBase + g.EX_READERS + cpu * g.EX_READER_STRIDE + off) >> 2;
  const usageBase = (ctx: number) => (g.PERCPU_BASE + ctx * g.PERCPU_STRIDE + g.PCPU_USAGE) >> 2;
  const contexts = m.nThreads;
  return () => {
    for (const r of readers) {
      if (u[rec(r, g.EX_R_UAF)] !== 0) return `use after free: CPU ${r}'s reader used an element after it was freed`;
      if (u[rec(r, g.EX_R_ACTIVE)] === 0) continue;
      const start = u[rec(r, g.EX_R_START)];
      const now = u[u[rec(r, g.EX_R_SEQ_ADDR)] >> 2];
      const snap = (start + 2 * mask + 1) & ~mask; // rcu_seq_snap(): the end of the first grace period that starts later
      if (((now - snap) | 0) >= 0) return `grace period ended under a reader: CPU ${r} is inside a section that began at gp_seq ${start}; gp_seq is now ${now}`;
    }
    for (let c = 0; c < contexts; c++) {
      const b = usageBase(c);
      for (let k = 0; k < USAGE_KINDS.length; k++) if (u[b + k] !== 0) return `usage error '${USAGE_KINDS[k]}' on ${c === contexts - 1 ? "the kthread" : `CPU ${c}`}`;
    }
    return undefined;
  };
}

/** A machine for `config`; `tso`: with x86-TSO store buffers (explore-tso.ts). */
export function makeMachine(module: WebAssembly.Module, config: ExploreConfig, fault?: FaultName, tso = false): ExploreMachine {
  if (fault !== undefined && !FAULT_NAMES.includes(fault)) throw new RangeError(`unknown fault '${fault}'; expected one of: ${FAULT_NAMES.join(", ")}`);
  const m = new ExploreMachine(module, config.flavor, config.cpus, fault ? [fault] : [], config.faultArg ?? 0);
  if (tso) m.tso = new StoreBuffers(m.u32, m.g, m.nThreads);
  return m;
}

/** Run one schedule given by its deviations. */
export function runSchedule(m: ExploreMachine, devs: readonly Deviation[], maxSteps: number, recorder?: Recorder) {
  return m.run(replayPolicy(devs), properties(m), maxSteps, recorder);
}

/** Greedy minimization: drop each deviation whose removal keeps a violation. */
export function minimize(m: ExploreMachine, devs: readonly Deviation[], maxSteps: number): { devs: Deviation[]; violation: string; failedStep: number } {
  let cur = [...devs];
  let best = runSchedule(m, cur, maxSteps);
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = cur.length - 1; i >= 0; i--) {
      const trial = cur.filter((_, j) => j !== i);
      const r = runSchedule(m, trial, maxSteps);
      if (r.violation !== undefined) {
        const used: Deviation[] = [];
        m.run(replayPolicy(trial, used), properties(m), maxSteps);
        cur = used;
        best = r;
        changed = true;
        break;
      }
    }
  }
  return { devs: cur, violation: best.violation ?? "", failedStep: best.failedStep };
}

/**
 * The default schedule must run every program to its end, with its grace periods and
 * sections, and without a violation when no fault is injected... or a clean result would
 * test nothing. Returns its length in accesses; throws when it tested nothing.
 */
function vacuity(m: ExploreMachine, maxSteps: number): number {
  const r = m.run(replayPolicy([]), properties(m), maxSteps);
  if (r.violation !== undefined) return r.steps; // a counterexample without any deviation: the search reports it
  const g = m.g, rec = (cpu: number, off: number) => m.u32[(m.exBase + g.EX_READERS + cpu * g.EX_READER_STRIDE + off) >> 2];
  const missing = m.threads.flatMap((t, i) => {
    const did = t.role === "updater" ? rec(i, g.EX_R_GPS) : rec(i, g.EX_R_SECTIONS);
    return did === t.n ? [] : [`CPU${i} (${t.role}) did ${did} of ${t.n}`];
  });
  if (r.truncated || missing.length) {
    throw new Error(`the default schedule tested nothing: ${r.truncated ? `it was cut at ${maxSteps} accesses` : missing.join(", ")}; raise --max-steps or fix the configuration`);
  }
  return r.steps;
}

/**
 * Which faults each configuration reaches, from the build: the faulted branch's evaluation
 * count (ExploreMachine.faultEvaluations) after the configuration's default schedule,
 * without a fault. A fault a configuration does not reach cannot change any of its
 * schedules: exploring it there would report "clean" having tested nothing.
 */
export function faultReach(module: WebAssembly.Module, maxSteps = 20_000): Map<string, Set<FaultName>> {
  return new Map(CONFIGS.map((c) => [c.name, reachOf(module, c, maxSteps)]));
}

/**
 * The faults whose branch `config` evaluates in its exploratory runs: the default schedule,
 * and the default schedule with every tick at its first chance (ticks come only by deviations).
 */
export function reachOf(module: WebAssembly.Module, config: ExploreConfig, maxSteps = 20_000): Set<FaultName> {
  const m = makeMachine(module, config);
  const reached = new Set<FaultName>();
  for (const policy of [replayPolicy([]), ticksFirstPolicy(m.g.EX_IRQ_TICK)]) {
    m.run(policy, properties(m), maxSteps);
    const evals = m.faultEvaluations();
    for (const f of FAULT_NAMES) if (evals[f] > 0) reached.add(f);
  }
  return reached;
}

/** The configurations whose default schedule evaluates `fault`'s branch. */
export function configsReaching(reach: Map<string, Set<FaultName>>, fault: FaultName): string[] {
  return [...reach].filter(([, faults]) => faults.has(fault)).map(([name]) => name);
}

/** Throws (RangeError: a bad request) when `config`'s exploratory runs do not evaluate `fault`'s branch. */
export function checkReached(module: WebAssembly.Module, config: ExploreConfig, fault: FaultName, maxSteps = 20_000): void {
  if (reachOf(module, config, maxSteps).has(fault)) return;
  const others = configsReaching(faultReach(module, maxSteps), fault);
  throw new RangeError(
    `fault '${fault}' is not reached by configuration '${config.name}': its exploratory runs never evaluate the faulted branch, so every schedule ` +
      `would be clean having tested nothing; ${others.length ? `configurations that reach it: ${others.join(", ")}` : "no explore configuration reaches it"}`,
  );
}

export function explore(module: WebAssembly.Module, o: ExploreOptions): ExploreResult {
  const m = makeMachine(module, o.config, o.fault, o.tso);
  m.preemptKthread = o.preemptKthread ?? false;
  const check = properties(m);
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  let schedules = 0, truncated = 0, steps = 0, lastProgress = 0;
  const exhaustive = o.scheduler === "exhaustive" ? new Exhaustive(o.bound) : undefined;
  if (o.fault !== undefined) checkReached(module, o.config, o.fault, o.maxSteps);
  const length = Math.max(1, vacuity(m, o.maxSteps));
  for (;;) {
    if (elapsed() > o.budgetSeconds) return { status: "budget", schedules, truncated, steps, elapsedS: elapsed() };
    if (!exhaustive && schedules >= o.schedules) break;
    const devs: Deviation[] = [];
    const seed = (o.seed + schedules * 0x9e3779b1) >>> 0;
    const policy = exhaustive ? exhaustive.next(devs)
      : o.scheduler === "random" ? randomPolicy(seed, 0.1, 0.05, devs)
      : pctPolicy(seed, o.bound, length, m.nThreads, devs);
    if (!policy) break;
    let decisions = 0;
    const r = m.run((d) => (decisions++, policy(d)), check, o.maxSteps);
    schedules++;
    steps += r.steps;
    if (r.truncated) truncated++;
    exhaustive?.done(decisions);
    if (o.progress && elapsed() - lastProgress >= 2) (lastProgress = elapsed()), o.progress(schedules, elapsed());
    if (r.violation !== undefined) {
      const min = o.minimize ? minimize(m, devs, o.maxSteps) : { devs, violation: r.violation, failedStep: r.failedStep };
      return {
        status: "counterexample", schedules, truncated, steps, elapsedS: elapsed(),
        counterexample: { violation: min.violation, failedStep: min.failedStep, deviations: min.devs, foundDeviations: devs.length },
      };
    }
  }
  return { status: "clean", schedules, truncated, steps, elapsedS: elapsed() };
}

/** The replay file: enough to run the counterexample again, deterministically. */
export interface ReplayFile {
  readonly format: "rcu-lab-explore-replay";
  readonly version: 1;
  readonly config: string;
  readonly fault?: FaultName;
  readonly tso?: boolean;
  readonly maxSteps: number;
  readonly violation: string;
  readonly failedStep: number;
  readonly deviations: readonly Deviation[];
}

export function replayFile(o: ExploreOptions, c: Counterexample): ReplayFile {
  return { format: "rcu-lab-explore-replay", version: 1, config: o.config.name, fault: o.fault, tso: o.tso ?? false, maxSteps: o.maxSteps, violation: c.violation, failedStep: c.failedStep, deviations: c.deviations };
}

/** Check a parsed replay file; errors say what is wrong. */
export function parseReplay(v: unknown, where: string): ReplayFile {
  const f = v as ReplayFile;
  if (!f || f.format !== "rcu-lab-explore-replay" || f.version !== 1) throw new Error(`${where} is not an rcu-lab explore replay file (expected format "rcu-lab-explore-replay", version 1)`);
  configByName(f.config);
  if (!Array.isArray(f.deviations) || f.deviations.some((d) => ![d?.k, d?.thread, d?.irq].every(Number.isInteger))) throw new Error(`${where}: deviations must be a list of {k, thread, irq} integers`);
  return f;
}

/** Compile the stepping build (once per process is enough). */
export async function compileStepping(platform: Platform): Promise<WebAssembly.Module> {
  platform.prepareEngine();
  return WebAssembly.compile(await platform.loadWasm("stepping"));
}
