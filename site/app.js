// The comparison page: the strategy table of `rcu-lab bench` measured in this browser, on up
// to navigator.hardwareConcurrency emulated CPUs (one module Web Worker each), then a short
// tracepoint torture. The experiments are the package's own (dist/bindings/browser.js):
// window.rcuLab.result is the same rcu-lab/bench@1 document as `rcu-lab bench --json`.
//
// Contract for automation: ?quick=1 runs a short version; ?cpus=N asks for N CPUs (at most
// navigator.hardwareConcurrency); ?strategies=a,b measures only those strategies. When finished, <html data-state> is "done", or "error"
// with the message shown (data-error="isolation" when the page is not cross-origin isolated).
import { renderChart } from "./chart.js";

const $ = (id) => document.getElementById(id);
const root = document.documentElement;
window.rcuLab = { state: "loading", result: null, torture: [], options: null, error: null };

function setState(state) {
  window.rcuLab.state = state;
  root.dataset.state = state;
}

function fail(message, kind = "run") {
  window.rcuLab.error = message;
  $("error-text").textContent = message;
  $("error").hidden = kind !== "run";
  $("progress-box").hidden = true;
  root.dataset.error = kind;
  setState("error");
}

/** The run's options from the URL; throws with what was wrong. */
function options() {
  const q = new URLSearchParams(location.search);
  const quick = q.get("quick") === "1";
  const hc = Math.max(1, Math.min(64, navigator.hardwareConcurrency || 1));
  let cpus = hc;
  if (q.has("cpus")) {
    cpus = Number(q.get("cpus"));
    if (!Number.isInteger(cpus) || cpus < 1 || cpus > hc) throw new RangeError(`?cpus= must be an integer in 1..${hc} (navigator.hardwareConcurrency here); got '${q.get("cpus")}'`);
  }
  // ?instances=N: each figure the median over N independently compiled copies of the code
  // (as rcu-lab bench --instances; where the engine places the code moves a figure).
  let instances = quick ? 1 : 3;
  if (q.has("instances")) {
    instances = Number(q.get("instances"));
    if (!Number.isInteger(instances) || instances < 1 || instances > 20) throw new RangeError(`?instances= must be an integer in 1..20; got '${q.get("instances")}'`);
  }
  return {
    quick, cpus, instances,
    // Quick: every strategy, both contexts, one probe, 3 repetitions. Full: the CLI's defaults.
    // A cross-origin-isolated page's clock ticks in 5 us steps (Chromium): 200,000 calls of
    // about 5 ns make a 1 ms batch, so a tick is 0.5% of it (20,000 calls read 5.00 or 5.25 ns).
    bench: {
      ...(quick ? { iterations: 200_000, reps: 3, probes: [1] } : { iterations: 1_000_000, reps: 5 }),
      // ?strategies=a,b measures only those (runStrategyBench refuses unknown names, naming the choices).
      ...(q.has("strategies") ? { strategies: q.get("strategies").split(",").map((x) => x.trim()) } : {}),
    },
    torture: { cpus: Math.min(Math.max(2, cpus), 4), seconds: quick ? 1 : 3, seed: 1 },
  };
}

function progress(fraction, text) {
  $("progress").value = fraction;
  $("progress-text").textContent = `${(fraction * 100).toFixed(0)}%  ${text}`;
}

async function fetchText(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`cannot load ${url} (HTTP ${r.status})`);
  return r.text();
}

async function main() {
  // The static build's service worker may still have to reload the page to isolate it.
  const isolation = window.rcuLabIsolation ? await window.rcuLabIsolation : undefined;
  if (isolation === "reloading") return;
  let lib;
  try {
    lib = await import("../dist/bindings/browser.js");
  } catch (e) {
    throw new Error(`cannot load the rcu-lab library (../dist/bindings/browser.js): ${e.message}. In a clone, run npm run build first.`);
  }
  const missing = lib.browserSupport();
  if (missing.length) {
    $("isolation-what").textContent = window.crossOriginIsolated
      ? "This page runs its emulated CPUs in several threads (Web Workers) that share one block of memory, and waits for them " +
        "without blocking. This browser lacks what that needs (listed below). Nothing was measured."
      : "This page runs its emulated CPUs in several threads (Web Workers) that share one block of memory. Browsers allow " +
        "shared memory only on pages that are cross-origin isolated, and this one is not: the server did not send the two " +
        "headers that ask for it. Nothing was measured.";
    const notes = missing.map((m) => `missing: ${m}`);
    if (isolation) notes.push(`the static build's service worker could not help: ${isolation}`);
    $("isolation-missing").replaceChildren(...notes.map((n) => Object.assign(document.createElement("li"), { textContent: n })));
    $("isolation").hidden = false;
    $("setup").textContent = window.crossOriginIsolated ? "This browser cannot run the page: see below." : "Not cross-origin isolated: see below.";
    fail(`not runnable here: ${missing.join("; ")}`, "isolation");
    return;
  }
  const o = options();
  window.rcuLab.options = o;
  const platform = lib.browserPlatform();
  const safetyUrl = lib.SHIPPED_SAFETY_URL, profileUrl = lib.SHIPPED_PROFILE_URL;
  const profile = lib.parseProfile(await fetchText(profileUrl), profileUrl.pathname);
  const safety = lib.parseSafety(JSON.parse(await fetchText(safetyUrl)), safetyUrl.pathname);
  $("setup").textContent = `${o.quick ? "Quick run" : "Full run"}: ${o.cpus} emulated CPU${o.cpus > 1 ? "s" : ""} (navigator.hardwareConcurrency = ${navigator.hardwareConcurrency}), ` +
    `${o.bench.iterations.toLocaleString("en-US")} calls per batch, ${o.bench.reps} repetitions` +
    `${o.instances > 1 ? ` on each of ${o.instances} code instances` : ""}${o.quick ? "" : " (add ?quick=1 for a short run)"}.`;

  progress(0, "starting the CPUs");
  const ms = [];
  for (let k = 0; k < o.instances; k++) ms.push(await lib.Machine.create({ cpus: o.cpus, platform, ...(o.instances > 1 ? { codeInstance: k } : {}) }));
  const counting = await lib.Machine.create({ cpus: 1, platform, build: "counting" });
  let result;
  try {
    result = await lib.runStrategyBench(ms, counting, profile, {
      ...o.bench, safety,
      onProgress: (done, total, what) => progress((0.85 * done) / total, `measuring ${what}`),
    });
  } finally {
    await Promise.all([...ms, counting].map((x) => x.close()));
  }
  window.rcuLab.result = result;
  showResults(lib, result);

  // The torture: a strategy where it is legal (expect PASS), then plain from idle, the
  // negative control (expect FAIL: a use-after-free), on one machine, as rcu-lab safety does.
  const t = await lib.Machine.create({ cpus: o.torture.cpus, platform });
  const runs = [
    { strategy: "rcuidle-srcu-irq", contexts: undefined, expect: "PASS", why: "in every context where it is legal" },
    { strategy: "plain", contexts: ["idle"], expect: "FAIL", why: "from idle, where RCU is not watching: the negative control, which must fail" },
  ];
  try {
    for (const [i, r] of runs.entries()) {
      const report = await lib.runTpTorture(t, {
        strategy: r.strategy, contexts: r.contexts, seconds: o.torture.seconds, seed: o.torture.seed,
        onProgress: (p) => progress(0.85 + (0.15 * (i + Math.min(1, p.elapsedS / p.seconds))) / runs.length, `torture ${r.strategy}: ${p.calls} calls, use-after-free ${p.uaf}`),
      });
      window.rcuLab.torture.push(report);
      showTorture(r, report, o.torture);
    }
  } finally {
    await t.close();
  }
  progress(1, "done");
  $("progress-box").hidden = true;
  setState("done");
}

const opsLetters = [["atomic_rmw", "A"], ["smp_mb", "M"], ["irq_save", "Q"], ["call", "C"], ["indirect_call", "I"], ["this_cpu_rmw", "P"], ["read_once", "L"], ["write_once", "S"], ["store_release", "R"], ["branch", "B"]];
const opsText = (ops) => opsLetters.map(([k, s]) => `${s}${Number.isInteger(ops[k]) ? ops[k] : ops[k].toFixed(2)}`).join(" ");
const safeText = (row) => (row.safe === null ? "?" : row.safe ? "yes" : row.safeByProbes.empty ? "empty only" : "NO");

function showResults(lib, r) {
  const fmt = (s) => (s ? lib.formatSummary(s, "ns") : "-");
  $("table-note").textContent = `${r.cpus} CPU${r.cpus > 1 ? "s" : ""} on ${r.cores} cores; clock ${r.ghz.median.toFixed(2)} GHz [${r.ghz.min.toFixed(2)}-${r.ghz.max.toFixed(2)}] (dependent add/xor chain, spread ${r.clock.spread.toFixed(2)}${r.clock.steady ? "" : ", UNSTEADY"}); ` +
    `${r.iterations.toLocaleString("en-US")} calls per batch, ${r.reps} repetitions; modeled cycles from profile ${r.profile.name}` +
    (r.oversubscribed ? `. ${r.cpus} CPU workers on ${r.cores} cores: all-CPU figures include host scheduling.` : ".") +
    (r.clock.warning ? ` WARNING: ${r.clock.warning}.` : "");
  const flips = r.sensitivity.filter((x) => x.changes.length)
    .map((x) => `${x.input} x${x.factor}: ${x.changes.map((c) => `${c.a} and ${c.b} (${c.context}, ${c.probes} probe${c.probes === 1 ? "" : "s"})`).join(", ")}`);
  $("model-note").textContent = `Modeled cycles rest on costs nothing here executes (their sources: the JSON's modelInputs): ` +
    `${r.modelInputs.map((i) => `${i.name} ${i.cycles.toFixed(2)} cycles`).join(", ")}. ` +
    (flips.length ? `Orderings by modeled cycles that change when one is halved or doubled: ${flips.join("; ")}.` : "No ordering by modeled cycles changes when one is halved or doubled.");
  const head = ["strategy", "context", "probes", "safe", "ns/call 1 CPU", "cycles", "modeled cycles", "ns/call all CPUs", "ops per call"];
  const table = $("table");
  const thead = table.createTHead().insertRow();
  for (const h of head) thead.appendChild(Object.assign(document.createElement("th"), { textContent: h }));
  const body = table.createTBody();
  const groups = new Map();
  for (const row of r.rows) {
    const k = `${row.strategy}|${row.context}|${row.probes}`;
    groups.set(k, [...(groups.get(k) ?? []), row]);
  }
  for (const rows of groups.values()) {
    const one = rows.find((x) => x.scope === "1 CPU"), all = rows.find((x) => x.scope === "all CPUs"), any = one ?? all;
    const tr = body.insertRow();
    Object.assign(tr.dataset, { strategy: any.strategy, context: any.context, probes: String(any.probes) });
    const cells = [any.strategy, any.context, String(any.probes), safeText(any), fmt(one?.nsPerCall), one ? one.cyclesPerCall.median.toFixed(1) : "-", any.modeledCycles.toFixed(1), fmt(all?.nsPerCall), opsText(any.ops)];
    cells.forEach((c, i) => {
      const td = tr.insertCell();
      td.textContent = c;
      if (i === 0) td.title = any.standsFor;
      if (i === 3) td.className = c === "yes" ? "safe" : c === "?" ? "" : "unsafe";
      if (i === 8) td.className = "ops";
    });
  }
  const chartRows = r.rows.filter((x) => x.scope === "1 CPU" && x.probes === (r.rows.some((y) => y.strategy === x.strategy && y.probes === 1) ? 1 : 0));
  $("chart").replaceChildren(renderChart(chartRows, lib.STRATEGIES.map((s) => s.name)));
  $("chart-note").textContent = `Dot: median over ${r.reps} repetitions; bar: min to max. "off" has its static key disabled (no probe reached). Host: ${navigator.userAgent.match(/(Chrome|Firefox|Safari)\/[\d.]+/)?.[0] ?? "this browser"}.`;
  const json = JSON.stringify(r, null, 2);
  $("json").value = json;
  $("copy-json").onclick = async () => {
    try {
      await navigator.clipboard.writeText(json);
      $("copy-status").textContent = "copied";
    } catch {
      $("json").closest("details").open = true;
      $("json").select();
      $("copy-status").textContent = document.execCommand("copy") ? "copied" : "select the text below and copy it";
    }
  };
  $("results").hidden = false;
}

function showTorture(run, r, o) {
  const div = document.createElement("div");
  const ok = r.verdict === run.expect;
  div.className = `verdict ${r.verdict.toLowerCase()}`;
  div.dataset.strategy = r.strategy;
  div.dataset.verdict = r.verdict;
  div.innerHTML = `<strong></strong> <span class="badge"></span><p></p><p class="muted"></p>`;
  div.querySelector("strong").textContent = `${r.strategy} ${run.why}:`;
  div.querySelector(".badge").textContent = `${r.verdict}${ok ? "" : ` (expected ${run.expect})`}`;
  div.querySelector("p").textContent = r.reason;
  div.querySelector(".muted").textContent = `${r.cpus} CPUs, ${o.seconds} s, contexts ${r.contexts.join(", ")}; ${r.calls.toLocaleString("en-US")} tracepoint calls, ` +
    `${r.updates} probe-array updates, ${r.arraysFreed} arrays freed, ${r.useAfterFree} use-after-free.`;
  $("torture").appendChild(div);
}

setState("running");
main().catch((e) => {
  console.error(e);
  fail(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
});
