// Rendering of a scenario report: the terminal table, and the SVG chart of --svg
// (strategies x ns per path, the median as a bar, min-max as a whisker, one group per variant).
import Table from "cli-table3";
import type { OpKind } from "../abi/constants.js";
import type { ScenarioReport, ScenarioRow } from "../experiments/scenario.js";
import { formatSummary } from "../experiments/stats.js";
import type { TraceResult } from "../experiments/scenario-trace.js";

const OPS: [OpKind, string][] = [["atomic_rmw", "A"], ["smp_mb", "M"], ["irq_save", "Q"], ["call", "C"], ["indirect_call", "I"]];
const f2 = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));
const variantLabel = (v: string, nohz: boolean) => (nohz && !v.includes("nohz_full") ? `${v} (nohz_full)` : v);
const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)}%`);

export function renderScenario(r: ScenarioReport): string {
  const withBase = r.rows.some((x) => x.vsBaseline);
  const head = ["variant", "strategy", "ns/path median [min-max]", ...(withBase ? ["above baseline ns/path (x)"] : []), "ops/path (A M Q C I)", "rcuidle tp calls/path, RCU watching (irq_disable)", "usage errors/path"];
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const x of r.rows) {
    t.push([
      variantLabel(x.variant, x.nohzFull), x.strategy, formatSummary(x.nsPerPath, "ns"),
      ...(withBase ? [x.vsBaseline ? `${formatSummary(x.vsBaseline, "ns")} (${x.vsBaseline.ratio.toFixed(2)}x)` : "-"] : []),
      OPS.map(([k, s]) => `${s}${f2(x.opsPerPath[k])}`).join(" "),
      `${f2(x.rcuidle.callsPerPath)}, ${pct(x.rcuidle.watchingShare)} (${pct(x.rcuidle.offWatchingShare)})`,
      x.usageErrorsPerPath ? x.usageErrorsPerPath.toExponential(2) : "0",
    ]);
  }
  const s = r.settings;
  const mixLine = (x: ScenarioRow) => Object.entries(x.pathShare).map(([k, v]) => `${k} ${(100 * v).toFixed(1)}%`).join(", ");
  const variants = [...new Map(r.rows.map((x) => [x.variant, x])).values()];
  return [
    `scenario ${r.scenario.name}: ${r.machine.cpus} CPU(s) on ${r.machine.cores} core(s), ${s.iterations} paths per batch, ${s.reps} reps, seed ${s.seed}, probes ${s.probes.join(", ") || "none"}` +
      (s.updaterCyclesPerBatch ? `, updater ${s.updaterCyclesPerBatch} register+unregister per batch` : ""),
    ...(r.scenario.claim ? [`claim (${r.scenario.claim.source}): "${r.scenario.claim.quote}"`] : []),
    t.toString(),
    ...variants.map((x) => `paths drawn, ${x.variant}: ${mixLine(x)}`),
    "ns/path: one iteration of the mix (the seeded draw and one path), median over CPUs [min-max over every batch]; ops/path from the counting build " +
      `(${s.countingIterations} paths on CPU 0): A atomic RMW, M smp_mb, Q irq save, C out-of-line call, I indirect call.`,
    ...r.notes.map((n) => `note: ${n}`),
  ].join("\n");
}

export function renderTraceSummary(t: TraceResult, file: string): string {
  const ratio = t.nsPerPathTracing.median / t.nsPerPathRelease.median;
  return [
    `trace written to ${file}: ${t.variant}, ${t.strategy}, ${t.paths} paths per CPU, ${t.events} events` +
      (t.lostBatches ? `, ${t.lostBatches} batch(es) left out (ring full, events dropped)` : ""),
    `recording changed the timing: ${formatSummary(t.nsPerPathRelease, "ns/path")} untraced (release build) -> ` +
      `${formatSummary(t.nsPerPathTracing, "ns/path")} traced (tracing build), ${ratio.toFixed(2)}x`,
  ].join("\n");
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"];

/** A horizontal bar chart: one group per variant, one bar per strategy (median), a whisker from min to max. */
export function renderScenarioSvg(r: ScenarioReport): string {
  const strategies = [...new Set(r.rows.map((x) => x.strategy))];
  const variants = [...new Set(r.rows.map((x) => x.variant))];
  const color = (s: string) => PALETTE[strategies.indexOf(s) % PALETTE.length];
  const barH = 18, gap = 6, groupGap = 22, left = 210, right = 90, top = 70, width = 860;
  const plotW = width - left - right;
  const max = Math.max(...r.rows.map((x) => x.nsPerPath.max)) * 1.05 || 1;
  const tick = niceStep(max / 6);
  const x = (v: number) => left + (v / max) * plotW;
  let y = top;
  const body: string[] = [];
  for (const v of variants) {
    const rows = r.rows.filter((row) => row.variant === v);
    body.push(`<text x="${left - 12}" y="${y + 12}" text-anchor="end" class="group">${esc(variantLabel(v, rows[0].nohzFull))}</text>`);
    y += 20;
    for (const row of rows) {
      const s = row.nsPerPath, cy = y + barH / 2;
      body.push(
        `<text x="${left - 12}" y="${cy + 4}" text-anchor="end" class="label">${esc(row.strategy)}</text>`,
        `<rect x="${left}" y="${y}" width="${Math.max(1, x(s.median) - left).toFixed(1)}" height="${barH}" rx="3" fill="${color(row.strategy)}" opacity="0.85"><title>${esc(`${v}, ${row.strategy}: ${formatSummary(s, "ns/path")}, n=${s.n}`)}</title></rect>`,
        `<line x1="${x(s.min).toFixed(1)}" x2="${x(s.max).toFixed(1)}" y1="${cy}" y2="${cy}" class="whisker"/>`,
        `<line x1="${x(s.min).toFixed(1)}" x2="${x(s.min).toFixed(1)}" y1="${cy - 5}" y2="${cy + 5}" class="whisker"/>`,
        `<line x1="${x(s.max).toFixed(1)}" x2="${x(s.max).toFixed(1)}" y1="${cy - 5}" y2="${cy + 5}" class="whisker"/>`,
        `<text x="${(x(s.max) + 6).toFixed(1)}" y="${cy + 4}" class="value">${s.median.toFixed(1)} ns</text>`,
      );
      y += barH + gap;
    }
    y += groupGap;
  }
  const height = y + 40;
  const grid: string[] = [];
  for (let v = 0; v <= max; v += tick) {
    grid.push(`<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${top - 8}" y2="${y - groupGap}" class="grid"/>`, `<text x="${x(v).toFixed(1)}" y="${y - groupGap + 16}" text-anchor="middle" class="axis">${+v.toFixed(2)}</text>`);
  }
  const s = r.settings;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">
<style>
  .title { font-size: 17px; font-weight: 600; fill: #222; } .sub { font-size: 12px; fill: #666; }
  .group { font-size: 13px; font-weight: 600; fill: #333; } .label { font-size: 12px; fill: #333; }
  .value { font-size: 11px; fill: #444; } .axis { font-size: 11px; fill: #777; }
  .grid { stroke: #e6e6e6; stroke-width: 1; } .whisker { stroke: #222; stroke-width: 1.4; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="28" class="title">${esc(r.scenario.name)}: ns per path of the mix</text>
<text x="20" y="48" class="sub">${esc(`median (bar) and min-max (whisker) over ${s.reps} batches of ${s.iterations} paths per CPU, ${r.machine.cpus} CPU(s) on ${r.machine.cores} core(s), seed ${s.seed}`)}</text>
${grid.join("\n")}
${body.join("\n")}
<text x="${left + plotW / 2}" y="${height - 10}" text-anchor="middle" class="axis">ns per path (lower is better)</text>
</svg>
`;
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
