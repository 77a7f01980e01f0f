// Terminal rendering of the torture reports: rcutorture's statistics lines
// (rcu_torture_stats_print) and the tracepoint torture's summary, each with a verdict.
import type { TortureReport } from "../experiments/torture.js";
import type { TpTortureReport } from "../experiments/tp-torture.js";

/** rcutorture's statistics lines (rcu_torture_stats_print), plus a verdict. */
export function renderTorture(r: TortureReport): string {
  const tag = `${r.flavor}-torture:`;
  const bad = r.verdict === "FAIL";
  const lines = [
    `${tag} rtc: ver: ${r.allocs} tfle: 0 rta: ${r.allocs} rtaf: 0 rtf: ${r.frees} rtmbe: ${r.mberrors} rtbe: 0 rtbke: 0 rtbre: 0 rtbf: 0 rtb: 0 nt: 0 barrier: 0/0:0`,
    `${tag} ${bad ? "!!! " : ""}Reader Pipe:  ${r.readerPipe.join(" ")}`,
    `${tag} Reader Batch:  ${r.readerBatch.join(" ")}`,
    `${tag} Free-Block Circulation:  ${r.freeBlockCirculation.join(" ")}`,
    `${tag} ${r.cpus} CPUs (CPU 0 writes, ${r.cpus - 1} read) on ${r.cores} cores, ${r.seconds} s, seed ${r.seed}${r.fault ? `, fault ${r.fault}` : ""}: ` +
      `${r.gracePeriods} grace periods, ${r.sections} reader sections, ${r.longDelays} long delays, ${r.stalls} stalled readers, ${r.migrations} migrations`,
  ];
  const usage = Object.entries(r.usageErrors).filter(([, v]) => v > 0);
  lines.push(`${tag} usage errors: ${usage.length ? usage.map(([k, v]) => `${k} ${v}`).join(", ") : "none"}`);
  lines.push(`${tag} ${r.verdict}: ${r.reason}`);
  return lines.join("\n");
}

export function renderTpTorture(r: TpTortureReport): string {
  const tag = `tp-torture ${r.strategy}:`;
  const usage = Object.entries(r.usageErrors).filter(([, v]) => v > 0);
  return [
    `${tag} ${r.standsFor}`,
    `${tag} contexts ${r.contexts.join(", ")}${r.illegalContexts.length ? ` (not legal for this strategy: ${r.illegalContexts.join(", ")})` : ""}; ${r.cpus} CPUs on ${r.cores} cores, ${r.seconds} s, seed ${r.seed}`,
    `${tag} ${r.calls} tracepoint calls (${r.probeCalls.spin} spin probes of ${r.spinUs / 2}-${r.spinUs} us, ${r.probeCalls.count} count probes), ${r.updates} probe updates, ${r.arraysFreed} arrays freed`,
    ...(r.probes === "rcu"
      ? [`${tag} rcu probe: ${r.rcuProbe.calls} calls, ${r.rcuProbe.replaced} objects replaced, ${r.rcuProbe.freed} freed by call_rcu, ${r.rcuProbe.useAfterFree} used after free`]
      : []),
    `${tag} releases whose grace period began under a call (at least ${r.overlapFloor} per context for a PASS): ${r.contexts.map((c) => `${c} ${r.overlappedReleases[c] ?? 0}`).join(", ")}`,
    `${tag} ticks in probes: ${r.ticks.taken}, of which ${r.ticks.reportedQs} reported a quiescent state${r.fault ? ` (fault ${r.fault})` : ""}`,
    `${tag} usage errors: ${usage.length ? usage.map(([k, v]) => `${k} ${v}`).join(", ") : "none"}`,
    `${tag} ${r.verdict}: ${r.reason}`,
  ].join("\n");
}
