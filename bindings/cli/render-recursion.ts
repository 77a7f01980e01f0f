// Terminal rendering of the recursion table (rcu-lab recursion).
import Table from "cli-table3";
import type { OpKind } from "../abi/constants.js";
import type { RecursionCell, RecursionReport } from "../experiments/recursion-table.js";
import { formatSummary } from "../experiments/stats.js";

const OPS_SHORT: [OpKind, string][] = [
  ["atomic_rmw", "A"], ["smp_mb", "M"], ["this_cpu_rmw", "P"], ["read_once", "L"], ["write_once", "S"], ["branch", "B"],
];

function cellText(c: RecursionCell): string {
  const parts = [`R${c.recorded}${c.recordedRecursive ? `(${c.recordedRecursive}r)` : ""}`, `L${c.lost}`, `S${c.stopped}`, `d${c.maxDepth}`];
  if (c.crashes) parts.unshift(c.crashes > 1 ? `CRASH x${c.crashes}` : "CRASH");
  if (c.leftover) parts.push(`!${c.leftover}`);
  return parts.join(" ");
}

export function renderRecursion(r: RecursionReport): string {
  const out: string[] = [];
  const guards = r.guards.map((g) => g.name);
  out.push(
    `rcu-lab recursion: ${r.scenarios.length} scenarios x ${guards.length} guards (${r.guardB ? `tracer A on the column's guard, B on ${r.guardB}` : "both tracers on the same guard"}); ` +
      `emulated stack limit ${r.stackLimitFrames} frames; random: seed ${r.seed}, ${r.randomSteps} steps`,
  );
  const t = new Table({ head: ["scenario", ...guards], style: { head: [], border: [], compact: true } });
  for (const s of r.scenarios) {
    t.push([s.name, ...guards.map((g) => {
      const c = r.cells.find((x) => x.guard === g && x.scenario === s.name);
      return c ? cellText(c) : "-";
    })]);
  }
  out.push(t.toString());
  out.push(
    "R events recorded (r: of them, recursions let through), L legitimate nested events lost, S recursions stopped, d deepest stack (frames); " +
      `CRASH: the stack overflowed (${r.stackLimitFrames} frames), the kernel would have died; !n: n guard words left non-zero (the guard is unbalanced).`,
  );
  if (r.costs) {
    const c = r.costs;
    out.push(
      `\nguard cost per call (try + release, task context, 1 CPU of ${c.cores} cores): ${c.iterations.toLocaleString("en-US")} calls per batch, ${c.reps} repetitions, ` +
        `clock at the start ${c.ghz.median.toFixed(2)} GHz [${c.ghz.min.toFixed(2)}-${c.ghz.max.toFixed(2)}] (cycles: each batch's ns x the clock measured beside it); ` +
        `modeled with cost profile ${c.profile.name}`,
    );
    const ct = new Table({ head: ["guard", "ns/call median [min-max]", "cycles", "modeled cycles", "ops per call", "stands for"], style: { head: [], border: [], compact: true }, colWidths: [24, 26, 9, 16, 24, 70], wordWrap: true });
    for (const g of r.guards) {
      if (!g.cost) continue;
      const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));
      ct.push([g.name, formatSummary(g.cost.nsPerCall, "ns"), g.cost.cyclesPerCall.median.toFixed(1), g.cost.modeledCycles.toFixed(1),
        OPS_SHORT.filter(([k]) => g.cost!.ops[k] !== 0).map(([k, s]) => `${s}${f(g.cost!.ops[k])}`).join(" ") || "none", g.standsFor]);
    }
    out.push(ct.toString());
    out.push("ops: A locked RMW, M smp_mb, P this_cpu RMW, L load, S store, B branch (counting build, exact per call).");
  }
  return out.join("\n");
}
