// The explore and replay reports as text.
import type { ExploreConfig } from "../experiments/explore-configs.js";
import type { ExploreOptions, ExploreResult } from "../experiments/explore.js";
import { formatTrace, type TraceEvent } from "../experiments/explore-trace.js";

export function describeConfig(c: ExploreConfig): string {
  const cpus = c.cpus.map((t, i) => `CPU${i} ${t.role} x${t.n}${t.ticks ? ` (up to ${t.ticks} tick${t.ticks > 1 ? "s" : ""})` : ""}`).join(", ");
  return `${c.name} (${c.flavor}): ${cpus}, the grace-period kthread`;
}

const n = (x: number) => x.toLocaleString("en-US");

export function renderExplore(o: ExploreOptions, r: ExploreResult, events: readonly TraceEvent[] | undefined, replayPath?: string): string {
  const what = o.scheduler === "exhaustive" ? `exhaustive, at most ${o.bound} deviation${o.bound === 1 ? "" : "s"} from the default schedule`
    : o.scheduler === "pct" ? `PCT depth ${o.bound}, ${n(o.schedules)} schedules, seed ${o.seed}` : `random, ${n(o.schedules)} schedules, seed ${o.seed}`;
  const lines = [
    `explore ${describeConfig(o.config)}`,
    `fault: ${o.fault ?? "none (the kernel's code as emulated)"}; memory model: ${o.tso ? "x86-TSO (store buffers)" : "sequentially consistent"}; scheduler: ${what}; budget ${o.budgetSeconds} s`,
    `explored ${n(r.schedules)} schedules, ${n(r.steps)} accesses in ${r.elapsedS.toFixed(2)} s` +
      `${r.truncated ? `; ${n(r.truncated)} cut at ${n(o.maxSteps)} accesses` : ""}`,
  ];
  if (r.status === "counterexample" && r.counterexample) {
    const c = r.counterexample;
    lines.push(
      `result: COUNTEREXAMPLE: ${c.violation} (at access ${c.failedStep})`,
      `schedule: ${c.deviations.length} deviation(s) from the default (minimized from ${c.foundDeviations}): ` +
        (c.deviations.map((d) => `decision ${d.k}: ${d.irq ? "tick on " : "run "}CPU${d.thread}`).join("; ") || "none"),
    );
    if (events) lines.push("interleaving:", ...formatTrace(events));
    if (replayPath) lines.push(`replay file: ${replayPath} (rcu-lab replay ${replayPath})`);
  } else if (r.status === "clean") {
    lines.push(`result: CLEAN: no counterexample in ${n(r.schedules)} schedules${o.scheduler === "exhaustive" ? " (the bound was explored completely)" : ""}`);
  } else {
    lines.push(`result: BUDGET: the ${o.budgetSeconds} s budget ran out before the bound was explored; no counterexample so far (exit status 4)`);
  }
  return lines.join("\n");
}
