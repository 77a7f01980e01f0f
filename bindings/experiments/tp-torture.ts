// rcu-lab torture --strategy S: every CPU calls strategy S's tracepoint from the contexts
// asked for (default: where S is legal) while the host churns the probe array
// (register/unregister, each publishing a new array and releasing the old one through the
// strategy's chain of grace periods). A spinning probe holds each reader in the array for
// milliseconds; a too-short grace period frees it under the reader, which then calls the
// poison (probe_uaf): a counted use-after-free. The run fails on any.
import type { FaultName } from "../abi/constants.js";
import { perCpuAddr } from "../abi/layout.js";
import type { Machine } from "../machine/machine.js";
import { CONTEXTS, strategy, type Context } from "./strategy-table.js";
import { seedCpus, sumUsageErrors } from "./torture-setup.js";
import { contextBit, releaseOverlaps } from "./tp-overlaps.js";
import { missing, usageSummary, type Verdict } from "./verdict.js";


export interface TpTortureOptions {
  strategy: string;
  contexts?: readonly string[];
  seconds: number;
  seed: number;
  /** The spinning probe holds a reader 1/2 to 1 times this many microseconds. */
  spinUs?: number;
  /**
   * The probes besides `tick` (a nested scheduling-clock interrupt, always first): "empty"
   * (default): `spin` and `count`, which use no RCU; "rcu": the `rcu` probe first, which
   * takes rcu_read_lock() and dereferences an object the host frees with call_rcu(), as
   * perf's callbacks do.
   */
  probes?: ProbeKind;
  /** A deliberately broken mechanism (test-only: the broken variants of test/safety.test.ts). */
  fault?: FaultName;
  onProgress?: (p: { elapsedS: number; seconds: number; calls: number; updates: number; uaf: number }) => void;
}

/**
 * The evidence a PASS needs, per context called from: this many probe-array releases whose
 * grace period began while a call from that context held the array (it was the published
 * array when the call began, and the call was still running when the array was replaced).
 * Only such a release can free an array under a reader of that context; fewer, and a run
 * that did not fail could not have: INCONCLUSIVE. (plain from idle PASSed 6 of 6 runs of
 * 0.001 s with 16-24 calls and 0-1 such releases, and FAILs at 0.3 s; default-length runs
 * see 120-330 per context.)
 */
export const OVERLAP_FLOOR = 20;

export type ProbeKind = "empty" | "rcu";
export const PROBE_KINDS: readonly ProbeKind[] = ["empty", "rcu"];

export interface TpTortureReport {
  schema: "rcu-lab/tp-torture@1";
  strategy: string;
  standsFor: string;
  contexts: Context[];
  illegalContexts: Context[];
  cpus: number;
  cores: number;
  seconds: number;
  seed: number;
  spinUs: number;
  probes: ProbeKind;
  fault: FaultName | null;
  calls: number;
  probeCalls: { spin: number; count: number };
  updates: number;
  arraysFreed: number;
  /**
   * Per context called from: probe-array releases whose grace period began while a call from
   * that context held the array (OVERLAP_FLOOR is the least a PASS needs; `overlapFloor`).
   */
  overlappedReleases: Partial<Record<Context, number>>;
  overlapFloor: number;
  useAfterFree: number;
  /** The `rcu` probe: calls, uses of a freed (poisoned) object, objects replaced and freed. */
  rcuProbe: { calls: number; useAfterFree: number; replaced: number; freed: number };
  /** Scheduling-clock ticks taken inside a probe, and those that reported a quiescent state. */
  ticks: { taken: number; reportedQs: number };
  usageErrors: Record<string, number>;
  /**
   * FAIL: a freed probe array was used, or the calls made usage errors (the kernel's
   * WARN/lockdep splats: e.g. SRCU from NMI where the strategy is not legal).
   * INCONCLUSIVE: no tracepoint call was made or no probe array was freed (nothing to
   * protect: "off", or a run too short), or a context called from has fewer than
   * OVERLAP_FLOOR releases under a call (the run could not have failed there). PASS
   * otherwise; its reason says so when the run called from contexts where the strategy is not legal.
   */
  verdict: Verdict;
  reason: string;
  /** verdict === "PASS" (kept for compatibility). */
  passed: boolean;
}

function judge(r: Omit<TpTortureReport, "verdict" | "reason" | "passed">, keyEnabled: boolean): { verdict: Verdict; reason: string } {
  const usage = usageSummary(r.usageErrors);
  const illegal = r.illegalContexts.length ? `called from ${r.illegalContexts.join(", ")}, where ${r.strategy} is not legal` : "";
  if (r.useAfterFree > 0) {
    return { verdict: "FAIL", reason: `${r.useAfterFree} calls into a freed (poisoned) probe array: a grace period ended under a reader${illegal ? ` (${illegal})` : ""}` };
  }
  if (r.rcuProbe.useAfterFree > 0) {
    return {
      verdict: "FAIL",
      reason: `${r.rcuProbe.useAfterFree} uses of a freed (poisoned) object by the rcu probe: an RCU grace period ended under its rcu_read_lock()${illegal ? ` (${illegal})` : ""}`,
    };
  }
  if (usage.total > 0) {
    return {
      verdict: "FAIL",
      reason: `no use-after-free, but ${illegal || "called in its legal contexts"}: ${usage.total} usage errors (${usage.text}), the kernel's WARN/lockdep splats`,
    };
  }
  const none = missing({
    "tracepoint call": r.calls, "freed probe array": r.arraysFreed,
    ...(r.probes === "rcu" ? { "rcu probe call": r.rcuProbe.calls, "freed rcu probe object": r.rcuProbe.freed } : {}),
  });
  if (none.length) {
    const why = keyEnabled ? "run longer (--seconds)" : `the static key of '${r.strategy}' is disabled: no probe array is published or freed, so there is nothing to protect`;
    return { verdict: "INCONCLUSIVE", reason: `no ${none.join(", no ")} (${r.calls} calls, ${r.arraysFreed} arrays freed), so nothing was tested; ${why}` };
  }
  const thin = r.contexts.filter((c) => (r.overlappedReleases[c] ?? 0) < r.overlapFloor);
  if (thin.length) {
    return {
      verdict: "INCONCLUSIVE",
      reason: `too few probe-array releases whose grace period began under a call from ${thin.map((c) => `${c} (${r.overlappedReleases[c] ?? 0})`).join(", ")}: ` +
        `a PASS needs at least ${r.overlapFloor} per context, or the run could not have failed there; run longer (--seconds)`,
    };
  }
  if (illegal) return { verdict: "PASS", reason: `no freed probe array was used, although ${illegal} (this run did not catch it)` };
  return { verdict: "PASS", reason: "no freed probe array was used" };
}

/** A per-CPU tracepoint statistic (assembly/layout.ts TPS_*) summed over CPUs. */
function sumTp(m: Machine, off: number): number {
  let s = 0;
  for (let c = 0; c < m.cpus; c++) s += m.readU64(perCpuAddr(m.layout, c, m.layout.PCPU_TP + off));
  return s;
}

export async function runTpTorture(m: Machine, o: TpTortureOptions): Promise<TpTortureReport> {
  const s = strategy(o.strategy);
  const contexts = (o.contexts ?? s.contexts) as Context[];
  for (const c of contexts) if (!CONTEXTS.includes(c)) throw new RangeError(`unknown context '${c}'; expected some of: ${CONTEXTS.join(", ")}`);
  if (contexts.length === 0) throw new RangeError(`choose at least one context of: ${CONTEXTS.join(", ")}`);
  if (!(o.seconds > 0) || o.seconds > 3600) throw new RangeError(`seconds must be in (0, 3600]; got ${o.seconds}`);
  const spinUs = o.spinUs ?? 4000;
  const probes = o.probes ?? "empty";
  if (!PROBE_KINDS.includes(probes)) throw new RangeError(`unknown probe kind '${probes}'; expected one of: ${PROBE_KINDS.join(", ")}`);
  const mask = contexts.reduce((a, c) => a | contextBit(m, c), 0);

  const name = `torture_${s.name}`;
  const tps = m.tracepoints;
  const tp = tps.has(name) ? tps.get(name) : tps.define(name, s.release);
  if (s.keyEnabled) {
    for (const p of tp.probes()) tp.unregister(p.probe, p.data); // a run on the same machine before
    tp.register("tick", spinUs, 200); // first: its ticks nest in the reader of every later probe
    if (probes === "rcu") tp.register("rcu", spinUs, 150);
    tp.register("spin", spinUs, 100);
    tp.register("count", 0, 10);
  }
  if (probes === "rcu") tps.replaceRcuProbeObject();
  const stat = (off: number) => {
    let v = 0;
    for (let c = 0; c < m.cpus; c++) v += m.readU64(perCpuAddr(m.layout, c, m.layout.PCPU_PROBE_STATS + off));
    return v;
  };
  const prc = (off: number) => m.readU32(m.layout.PROBE_RCU_BASE + off);
  const rcuCalls0 = stat(m.layout.PRS_RCU_CALLS), rcuUaf0 = stat(m.layout.PRS_RCU_UAF);
  const ticks0 = stat(m.layout.PRS_TICKS), tickQs0 = stat(m.layout.PRS_TICK_QS);
  const replaced0 = prc(m.layout.PRC_REPLACED), freed0rcu = prc(m.layout.PRC_FREED);
  if (o.fault) m.setFaults([o.fault]);
  await seedCpus(m, o.seed);
  const usage0 = sumUsageErrors(m);
  const calls0 = sumTp(m, m.layout.TPS_CALLS), uaf0 = sumTp(m, m.layout.TPS_UAF);
  const spin0 = sumTp(m, m.layout.TPS_SPIN), count0 = sumTp(m, m.layout.TPS_COUNT);
  const freed0 = m.readU64(m.layout.TP_ARENA_PRIV + m.layout.TPA_FREES);

  const overlaps = releaseOverlaps(m, tp.id, contexts);
  const t0 = Date.now();
  const durationMs = o.seconds * 1000;
  let updates = 0;
  const progress = setInterval(() => {
    o.onProgress?.({ elapsedS: (Date.now() - t0) / 1000, seconds: o.seconds, calls: sumTp(m, m.layout.TPS_CALLS) - calls0, updates, uaf: sumTp(m, m.layout.TPS_UAF) - uaf0 });
  }, 500);
  const readers = Promise.all(
    [...Array(m.cpus).keys()].map(async (cpu) => {
      while (Date.now() - t0 < durationMs) await m.run(cpu, s.torture, [8, tp.id, mask]);
    }),
  );
  const updater = (async () => {
    if (!s.keyEnabled) return; // no probes: nothing to update
    // Each step publishes a new array and releases the old one.
    for (let k = 1; Date.now() - t0 < durationMs; k++) {
      await tps.retryWhileArenaFull(() => overlaps.update(() => tp.register("count", k)));
      await tps.retryWhileArenaFull(() => overlaps.update(() => tp.unregister("count", k)));
      updates += 2;
      if (probes === "rcu") tps.replaceRcuProbeObject();
      // At most one step per millisecond (a timer, not setImmediate): back to back, the updater
      // filled the arena (NR_PROBE_ARRAYS) in one burst right after each grace period, while
      // the CPUs were between calls, so few releases began a grace period under a call
      // (2-9 in 1.5 s from an irq or NMI over a task; 178-239 paced).
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  try {
    await Promise.all([readers, updater]);
  } finally {
    clearInterval(progress);
    if (o.fault) m.setFaults([]);
  }
  await m.tracepoints.synchronizeUnregister();
  await m.rcu.synchronize(); // the chained callbacks of the last releases

  const usageErrors = sumUsageErrors(m, usage0);
  const useAfterFree = sumTp(m, m.layout.TPS_UAF) - uaf0;
  const r = {
    schema: "rcu-lab/tp-torture@1", strategy: s.name, standsFor: s.standsFor, contexts,
    illegalContexts: contexts.filter((c) => !s.contexts.includes(c)), cpus: m.cpus, cores: m.platform.cores(),
    seconds: o.seconds, seed: o.seed, spinUs, probes, fault: o.fault ?? null, calls: sumTp(m, m.layout.TPS_CALLS) - calls0,
    probeCalls: { spin: sumTp(m, m.layout.TPS_SPIN) - spin0, count: sumTp(m, m.layout.TPS_COUNT) - count0 },
    updates, arraysFreed: m.readU64(m.layout.TP_ARENA_PRIV + m.layout.TPA_FREES) - freed0,
    overlappedReleases: overlaps.counts, overlapFloor: OVERLAP_FLOOR, useAfterFree,
    rcuProbe: {
      calls: stat(m.layout.PRS_RCU_CALLS) - rcuCalls0, useAfterFree: stat(m.layout.PRS_RCU_UAF) - rcuUaf0,
      replaced: prc(m.layout.PRC_REPLACED) - replaced0, freed: prc(m.layout.PRC_FREED) - freed0rcu,
    },
    ticks: { taken: stat(m.layout.PRS_TICKS) - ticks0, reportedQs: stat(m.layout.PRS_TICK_QS) - tickQs0 },
    usageErrors,
  } as const;
  const { verdict, reason } = judge(r, s.keyEnabled);
  return { ...r, verdict, reason, passed: verdict === "PASS" };
}
