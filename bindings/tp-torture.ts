// rcu-lab torture --strategy S: every CPU calls strategy S's tracepoint from the contexts
// asked for (default: where S is legal) while the host churns the probe array
// (register/unregister, each publishing a new array and releasing the old one through the
// strategy's chain of grace periods). A spinning probe holds each reader in the array for
// milliseconds; a too-short grace period frees it under the reader, which then calls the
// poison (probe_uaf): a counted use-after-free. The run fails on any.
import { USAGE_KINDS } from "./faults.js";
import { perCpuAddr } from "./layout.js";
import type { Machine } from "./machine.js";
import { yieldToEventLoop } from "./wait.js";
import { strategy, type Context } from "./strategies.js";
import { calibrateSpins } from "./torture.js";
import { retryWhileArenaFull } from "./tracepoint.js";

export const CONTEXTS: readonly Context[] = ["task", "irq", "idle", "nmi"];
const MASK: Record<Context, number> = { task: 1, irq: 2, idle: 4, nmi: 8 };

export interface TpTortureOptions {
  strategy: string;
  contexts?: readonly string[];
  seconds: number;
  seed: number;
  /** The spinning probe holds a reader 1/2 to 1 times this many microseconds. */
  spinUs?: number;
  onProgress?: (p: { elapsedS: number; seconds: number; calls: number; updates: number; uaf: number }) => void;
}

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
  calls: number;
  probeCalls: { spin: number; count: number };
  updates: number;
  arraysFreed: number;
  useAfterFree: number;
  usageErrors: Record<string, number>;
  passed: boolean;
}

function u64(m: Machine, addr: number): number {
  return Number(new DataView(m.memory.buffer).getBigUint64(addr, true));
}

function sumTp(m: Machine, off: number): number {
  let s = 0;
  for (let c = 0; c < m.cpus; c++) s += u64(m, perCpuAddr(m.layout, c, m.layout.PCPU_TP + off));
  return s;
}

export async function runTpTorture(m: Machine, o: TpTortureOptions): Promise<TpTortureReport> {
  const s = strategy(o.strategy);
  const contexts = (o.contexts ?? s.contexts) as Context[];
  for (const c of contexts) if (!CONTEXTS.includes(c)) throw new RangeError(`unknown context '${c}'; expected some of: ${CONTEXTS.join(", ")}`);
  if (contexts.length === 0) throw new RangeError(`choose at least one context of: ${CONTEXTS.join(", ")}`);
  if (!(o.seconds > 0) || o.seconds > 3600) throw new RangeError(`seconds must be in (0, 3600]; got ${o.seconds}`);
  const spinUs = o.spinUs ?? 4000;
  const mask = contexts.reduce((a, c) => a | MASK[c], 0);

  const name = `torture_${s.name}`;
  const tp = m.tracepoints.has(name) ? m.tracepoints.get(name) : m.tracepoints.define(name, s.release);
  if (s.name !== "off") {
    for (const p of tp.probes()) tp.unregister(p.probe, p.data); // a run on the same machine before
    tp.register("spin", spinUs, 100);
    tp.register("count", 0, 10);
  }
  const spins = await calibrateSpins(m);
  await m.runAll("torture_random_init", (cpu) => [(o.seed * 7919 + cpu * 104729) >>> 0, spins[cpu]]);
  const usage0 = [...Array(m.cpus).keys()].map((c) => m.usageErrors(c));
  const calls0 = sumTp(m, m.layout.TPS_CALLS), uaf0 = sumTp(m, m.layout.TPS_UAF);
  const spin0 = sumTp(m, m.layout.TPS_SPIN), count0 = sumTp(m, m.layout.TPS_COUNT);
  const freed0 = u64(m, m.layout.TP_ARENA_PRIV + m.layout.TPA_FREES);

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
    if (s.name === "off") return;
    // Each step publishes a new array and releases the old one.
    for (let k = 1; Date.now() - t0 < durationMs; k++) {
      await retryWhileArenaFull(m, () => tp.register("count", k));
      await retryWhileArenaFull(m, () => tp.unregister("count", k));
      updates += 2;
      await yieldToEventLoop();
    }
  })();
  try {
    await Promise.all([readers, updater]);
  } finally {
    clearInterval(progress);
  }
  await m.tracepoints.synchronizeUnregister();
  await m.rcu.synchronize(); // the chained callbacks of the last releases

  const usageErrors: Record<string, number> = Object.fromEntries(USAGE_KINDS.map((k) => [k, 0]));
  for (let c = 0; c < m.cpus; c++) for (const [k, v] of Object.entries(m.usageErrors(c))) usageErrors[k] += v - usage0[c][k as keyof (typeof usage0)[number]];
  const useAfterFree = sumTp(m, m.layout.TPS_UAF) - uaf0;
  return {
    schema: "rcu-lab/tp-torture@1", strategy: s.name, standsFor: s.standsFor, contexts,
    illegalContexts: contexts.filter((c) => !s.contexts.includes(c)), cpus: m.cpus, cores: m.platform.cores(),
    seconds: o.seconds, seed: o.seed, spinUs, calls: sumTp(m, m.layout.TPS_CALLS) - calls0,
    probeCalls: { spin: sumTp(m, m.layout.TPS_SPIN) - spin0, count: sumTp(m, m.layout.TPS_COUNT) - count0 },
    updates, arraysFreed: u64(m, m.layout.TP_ARENA_PRIV + m.layout.TPA_FREES) - freed0, useAfterFree, usageErrors,
    passed: useAfterFree === 0,
  };
}

export function renderTpTorture(r: TpTortureReport): string {
  const tag = `tp-torture ${r.strategy}:`;
  const usage = Object.entries(r.usageErrors).filter(([, v]) => v > 0);
  return [
    `${tag} ${r.standsFor}`,
    `${tag} contexts ${r.contexts.join(", ")}${r.illegalContexts.length ? ` (not legal for this strategy: ${r.illegalContexts.join(", ")})` : ""}; ${r.cpus} CPUs on ${r.cores} cores, ${r.seconds} s, seed ${r.seed}`,
    `${tag} ${r.calls} tracepoint calls (${r.probeCalls.spin} spin probes of ${r.spinUs / 2}-${r.spinUs} us, ${r.probeCalls.count} count probes), ${r.updates} probe updates, ${r.arraysFreed} arrays freed`,
    `${tag} usage errors: ${usage.length ? usage.map(([k, v]) => `${k} ${v}`).join(", ") : "none"}`,
    r.passed
      ? `${tag} PASS: no freed probe array was used`
      : `${tag} FAIL: ${r.useAfterFree} calls into a freed (poisoned) probe array: a grace period ended under a reader`,
  ].join("\n");
}
