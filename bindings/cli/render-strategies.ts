// Terminal rendering of the strategy table.
import Table from "cli-table3";
import type { OpKind } from "../abi/constants.js";
import type { Sensitivity } from "../experiments/model-inputs.js";
import { formatSummary } from "../experiments/stats.js";
import type { StrategyReport, StrategyRow } from "../experiments/strategy-bench.js";
import { strategy } from "../experiments/strategy-table.js";

/**
 * docs/native-reference.md: one enabled tracepoint, one empty probe, ns (task, idle). Its
 * "noinstr" line (plain + the WARN_ON_ONCE(!rcu_is_watching()) check) is the sequence of
 * noinstr+lockdep; the reference has no figure for noinstr without the check.
 */
export const NATIVE_ONE_PROBE_NS: Record<string, { task?: number; idle?: number }> = {
  off: { task: 0.25 },
  plain: { task: 3.24 },
  "noinstr+lockdep": { task: 3.27 },
  "srcu-fast": { task: 3.27 },
  "rcuidle-watching": { task: 3.27, idle: 13.8 },
  "rcuidle-irq": { task: 11.8, idle: 13.8 },
  "rcuidle-srcu": { task: 10.3, idle: 10.3 },
  "rcuidle-srcu-irq": { task: 14.1, idle: 23.6 },
};

const OPS_SHORT: [OpKind, string][] = [
  ["atomic_rmw", "A"], ["smp_mb", "M"], ["irq_save", "Q"], ["call", "C"], ["indirect_call", "I"],
  ["this_cpu_rmw", "P"], ["read_once", "L"], ["write_once", "S"], ["store_release", "R"], ["branch", "B"],
];

function opsString(ops: Record<OpKind, number>): string {
  const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));
  return OPS_SHORT.map(([k, s]) => `${s}${f(ops[k])}`).join(" ");
}

/** yes / NO / "empty only" (safe with probes that use no RCU, not with an rcu probe) / ? (not in the safety table). */
function safeText(row: StrategyRow): string {
  if (row.safe === null) return "?";
  if (row.safe) return "yes";
  return row.safeByProbes.empty ? "empty only" : "NO";
}

/** The ns figure, marked `!` when the code instances' cycles disagree by more than the report's limit. */
function nsText(row: StrategyRow, r: StrategyReport): string {
  return formatSummary(row.nsPerCall, "ns") + (row.instanceSpread > r.instanceSpreadLimit ? " !" : "");
}

const rel = (x: number, y: number) => (Math.abs(x - y) <= 1e-9 * Math.max(x, y) ? "=" : x < y ? "<" : ">");

/** One line per input x factor: the orderings by modeled cycles that change, or "no ordering changes". */
function sensitivityLine(s: Sensitivity): string {
  const what = s.changes.map((c) =>
    `${c.context}/${c.probes}p: ${c.a} ${c.before[0].toFixed(1)} ${rel(...c.before)} ${c.b} ${c.before[1].toFixed(1)} becomes ` +
      `${c.after[0].toFixed(1)} ${rel(...c.after)} ${c.after[1].toFixed(1)}`);
  return `  ${s.input} x${s.factor} (${s.cycles.toFixed(2)} cycles): ${what.length ? what.join("; ") : "no ordering changes"}`;
}

/** The inputs modeled cycles rest on that nothing here executes, their sources, and the table's sensitivity to them. */
function renderModelInputs(r: StrategyReport): string[] {
  return [
    "model inputs (what the kernel executes and nothing here can; cycles of one op in a sequence; set with --cost NAME=CYCLES or the profile's inSequence.cyclesPerOp):",
    ...r.modelInputs.map((i) => `  ${i.name} ${i.cycles.toFixed(2)} cycles: ${i.kernel}; source: ${i.source}`),
    "sensitivity: strategy orderings by modeled cycles (per context/probes) that change when an input is halved or doubled:",
    ...r.sensitivity.map(sensitivityLine),
  ];
}

/** A line when the clock beside the batches moved more than 5% over the run: ns follow it, cycles do not. */
export function clockMoved(r: StrategyReport): string | undefined {
  if (r.rows.length === 0) return undefined;
  const lo = Math.min(...r.rows.map((x) => x.ghzBeside.min)), hi = Math.max(...r.rows.map((x) => x.ghzBeside.max));
  if (hi / lo <= 1.05) return undefined;
  return `the clock beside the batches moved ${((hi / lo - 1) * 100).toFixed(0)}% during this run (${lo.toFixed(2)}-${hi.toFixed(2)} GHz): ` +
    "ns/call follow it, so a second invocation's ns may differ by as much; the cycles column is each batch's ns x its own moment's clock";
}

export function renderStrategies(r: StrategyReport): string {
  const out: string[] = [];
  out.push(
    `rcu-lab bench: ${r.cpus} CPU${r.cpus > 1 ? "s" : ""} on ${r.cores} cores; ${r.iterations.toLocaleString("en-US")} calls per batch, ${r.reps} repetitions` +
      `${r.instances > 1 ? ` on each of ${r.instances} code instances` : ""}; ` +
      `clock ${r.ghz.median.toFixed(2)} GHz [${r.ghz.min.toFixed(2)}-${r.ghz.max.toFixed(2)}] (dependent add/xor chain, spread ${r.clock.spread.toFixed(2)}${r.clock.steady ? "" : ", UNSTEADY"}); ` +
      `cost profile ${r.profile.name}`,
  );
  if (r.clock.warning) out.push(`WARNING: ${r.clock.warning}`);
  if (r.churn) {
    const n = r.rows.reduce((a, x) => a + x.churnUpdates, 0);
    out.push(`with a concurrent updater (--churn): ${n} probe-array updates during the measurements`);
  }
  if (r.oversubscribed) out.push(`WARNING: ${r.cpus} CPU workers on ${r.cores} cores: all-CPU figures include host scheduling`);
  out.push(
    (r.instances > 1
      ? `ns/call: median [min-max] over ${r.instances} independently compiled code instances, each the median of its ${r.reps} repetitions (all CPUs: median over CPUs)`
      : "ns/call: median [min-max] over repetitions (all CPUs: median over CPUs)") +
      "; cycles = each batch's ns x the clock measured beside it (the same median over instances); modeled = op counts x profile cycles (adds what WebAssembly cannot execute: irq save/restore, out-of-line calls; " +
      "those inputs, their sources and the table's sensitivity to them below the table)",
  );
  out.push("ops per call: A atomic RMW, M smp_mb, Q irq save (+ as many restores), C out-of-line call, I indirect call, P this_cpu RMW, L load, S store, R release store, B branch");
  const key = (x: StrategyRow) => `${x.strategy}|${x.context}|${x.probes}`;
  const groups = new Map<string, StrategyRow[]>();
  for (const row of r.rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  const t = new Table({
    head: ["strategy", "context", "probes", "safe", "ns/call 1 CPU", "cycles", "modeled cycles", "ns/call all CPUs", "native ns", "ops per call"],
    style: { head: [], border: [], compact: true },
  });
  for (const rows of groups.values()) {
    const one = rows.find((x) => x.scope === "1 CPU");
    const all = rows.find((x) => x.scope === "all CPUs");
    const any = (one ?? all)!;
    // The native figures are for one probe, or for none where the static key is disabled.
    const native = any.probes === (strategy(any.strategy).keyEnabled ? 1 : 0) ? NATIVE_ONE_PROBE_NS[any.strategy]?.[any.context] : undefined;
    t.push([
      any.strategy, any.context, String(any.probes), safeText(any),
      one ? nsText(one, r) : "-",
      one ? one.cyclesPerCall.median.toFixed(1) : "-",
      any.modeledCycles.toFixed(1),
      all ? nsText(all, r) : "-",
      native !== undefined ? `${native.toFixed(2)} ns` : "-",
      opsString(any.ops),
    ]);
  }
  out.push(t.toString());
  const moved = clockMoved(r);
  if (moved) out.push(moved);
  const marked = r.rows.filter((x) => x.instanceSpread > r.instanceSpreadLimit);
  if (marked.length) {
    out.push(
      `! the middle code instances of ${marked.length} figure(s) differ by more than ${(r.instanceSpreadLimit * 100).toFixed(0)}% in cycles ` +
        `(${marked.map((x) => `${x.strategy}/${x.context}/${x.probes}/${x.scope} ${(x.instanceSpread * 100).toFixed(0)}%`).join(", ")}): ` +
        "where the engine placed the code moves them; a second invocation may not repeat them within 5% (more instances: --instances)",
    );
  }
  out.push(...renderModelInputs(r));
  const base = r.rows.find((x) => x.strategy === "plain" && x.context === "task" && x.probes === 1 && x.scope === "1 CPU");
  if (base) {
    const ratios = r.rows
      .filter((x) => x.probes === 1 && x.scope === "1 CPU" && strategy(x.strategy).keyEnabled)
      .map((x) => `${x.strategy}/${x.context} ${(x.nsPerCall.median / base.nsPerCall.median).toFixed(2)}x (modeled ${(x.modeledCycles / base.modeledCycles).toFixed(2)}x)`);
    out.push(`relative to plain in task context (1 probe, 1 CPU): ${ratios.join(", ")}`);
  }
  out.push(
    `the host probe (a call back into JavaScript), plain, task context, 1 CPU: ${formatSummary(r.hostProbe.nsPerCall, "ns")} per call, ` +
      `against ${formatSummary(r.hostProbe.emptyProbeNsPerCall, "ns")} with the empty probe`,
  );
  out.push("native ns: docs/native-reference.md (gcc -O2, AMD EPYC Zen 5, one empty probe), including irq save/restore the WebAssembly cannot execute");
  return out.join("\n");
}
