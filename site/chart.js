// The chart: ns per call per strategy and context, a dot at the median and a bar from min
// to max, hand-written SVG. Why no chart library: the chart is one dot-and-whisker plot,
// which the small libraries draw only through plugins (uPlot and Chart.js have no error
// bars of their own); SVG text stays selectable, scales without blur, prints, and the tests
// can read each mark's data-* attributes. About 80 lines, no dependency to vendor or update.
const NS = "http://www.w3.org/2000/svg";
const COLORS = { task: "#2563eb", idle: "#d97706" };

function el(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A tick step of 1, 2 or 5 x 10^k giving about `n` ticks up to `max`. */
function tickStep(max, n = 6) {
  const raw = max / n, p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
}

/** Three significant digits (an outlier's label must fit beside the axis' edge). */
const short = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

/** A row maximum above this many times the median of the row maxima is an outlier: drawn at the axis' edge. */
export const OUTLIER_FACTOR = 10;

/**
 * The axis of `rows` (StrategyRow[]): from 0 to `end` ns in ticks of `step`, where `end`
 * covers every row maximum up to OUTLIER_FACTOR x the median of the row maxima (one row at
 * 209 ns [18-791] among rows of 3-40 ns would otherwise squeeze them all into 5% of the
 * width); `outliers`: the rows reaching beyond `end`, which are drawn at the edge.
 */
export function chartScale(rows) {
  const maxima = rows.map((r) => r.nsPerCall.max).filter(Number.isFinite).sort((a, b) => a - b);
  const h = maxima.length >> 1, median = maxima.length % 2 ? maxima[h] : (maxima[h - 1] + maxima[h]) / 2;
  const within = maxima.filter((v) => v <= OUTLIER_FACTOR * median);
  const max = (within.length ? within[within.length - 1] : 0) * 1.05 || 1;
  const step = tickStep(max), end = Math.ceil(max / step) * step;
  return { end, step, outliers: rows.filter((r) => !(r.nsPerCall.max <= end)) };
}

/** rows: StrategyRow[] of one scope and probe count; order: strategy names top to bottom. */
export function renderChart(rows, order) {
  const names = order.filter((n) => rows.some((r) => r.strategy === n));
  const contexts = ["task", "idle"].filter((c) => rows.some((r) => r.context === c));
  const left = 150, right = 140, top = 34, band = 20 * contexts.length + 12, width = 820;
  const height = top + band * names.length + 50;
  const { end, step, outliers } = chartScale(rows);
  // A value beyond the axis is drawn at its edge.
  const x = (v) => left + ((width - left - right) * Math.min(v, end)) / end;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": "ns per call by strategy and context, median with min-max", class: "chart" });
  // Grid and axis.
  for (let v = 0; v <= end + 1e-9; v += step) {
    svg.append(el("line", { x1: x(v), x2: x(v), y1: top - 6, y2: height - 44, class: "grid" }));
    svg.append(el("text", { x: x(v), y: height - 28, "text-anchor": "middle", class: "tick" }, `${+v.toFixed(6)}`));
  }
  svg.append(el("text", { x: x(end / 2), y: height - 8, "text-anchor": "middle", class: "legend" }, "ns per call"));
  // Legend.
  contexts.forEach((c, i) => {
    const lx = left + i * 190;
    svg.append(el("circle", { cx: lx + 6, cy: 14, r: 5, fill: COLORS[c] }));
    svg.append(el("text", { x: lx + 16, y: 18, class: "legend" }, c === "task" ? "task context (RCU watching)" : "idle (RCU not watching)"));
  });
  if (outliers.length) {
    svg.append(el("text", { x: width - 4, y: 18, "text-anchor": "end", class: "legend clip-note" },
      `axis clipped at ${+end.toFixed(6)} ns: ${outliers.length} row${outliers.length > 1 ? "s" : ""} beyond, at the edge (\u25B8)`));
  }
  names.forEach((name, i) => {
    const y0 = top + i * band;
    if (i % 2 === 0) svg.append(el("rect", { x: 0, y: y0, width, height: band, class: "stripe" }));
    svg.append(el("text", { x: left - 10, y: y0 + band / 2 + 4, "text-anchor": "end", class: "name" }, name));
    contexts.forEach((c, j) => {
      const r = rows.find((q) => q.strategy === name && q.context === c);
      if (!r) return;
      const y = y0 + 6 + 20 * j + 10, s = r.nsPerCall;
      const clipped = s.max > end;
      const g = el("g", { class: "mark", "data-strategy": name, "data-context": c, "data-median": s.median, "data-min": s.min, "data-max": s.max, "data-clipped": clipped });
      g.append(el("title", {}, `${name}, ${c}: ${s.median.toFixed(2)} ns [${s.min.toFixed(2)}-${s.max.toFixed(2)}], ${s.n} repetitions`));
      g.append(el("line", { x1: x(s.min), x2: x(s.max), y1: y, y2: y, stroke: COLORS[c], "stroke-width": 3, "stroke-linecap": "round", opacity: 0.45 }));
      if (clipped) {
        // The arrow at the edge: the bar (and perhaps the dot) goes on beyond the axis.
        const xe = x(end);
        g.append(el("path", { d: `M ${xe + 2} ${y - 5} L ${xe + 10} ${y} L ${xe + 2} ${y + 5} Z`, fill: COLORS[c], class: "outlier" }));
      }
      g.append(el("circle", { cx: x(s.median), cy: y, r: 5, fill: s.median > end ? "none" : COLORS[c], stroke: COLORS[c], "stroke-width": 2 }));
      // The label beside its dot (after the arrow when the dot is at the edge); an outlier's gives its range, which the axis does not show.
      const label = clipped ? `${short(s.median)} ns [${short(s.min)}-${short(s.max)}]` : `${s.median.toFixed(2)} ns`;
      g.append(el("text", { x: x(s.median) + (s.median > end ? 14 : 8), y: y - 7, class: "value" }, label));
      svg.append(g);
    });
  });
  return svg;
}
