// rcu-lab run --trace FILE: one (variant, strategy) of a scenario run on the tracing build
// (build/rcu-lab.tracing.wasm), its per-CPU rings drained after every small batch and turned
// into the Chrome JSON trace-event format (Perfetto UI, chrome://tracing): one track per
// emulated CPU and one for the grace-period kthread, B/E slices for paths, tracepoint bodies
// and the rcu_irq_enter/exit dance, counters for the nesting values, instant events for
// grace-period start and end. The same mix is also timed on the release and the tracing
// build, so the report says how much recording changed the timing.
//
// Timestamps: WebAssembly has no clock, so the module writes a per-context sequence number;
// a CPU's events of one batch are spread evenly over the time its worker measured for the
// batch, ending when the host saw it finish. Order within a CPU is exact; spacing and
// alignment across CPUs are approximate (a batch is a few paths: microseconds). The kthread's
// grace-period events carry its own clock (us).
import { nowUs } from "../abi/clock.js";
import { Machine } from "../machine/machine.js";
import { measure } from "./measure.js";
import type { Scenario, Variant } from "./scenario-parse.js";
import { drainRing, setBody, setTraceDrop, writeMix, type BodyDef, type RingEvent } from "./scenario-paths.js";
import { attachProbes, tracepointId, type RunScenarioOptions } from "./scenario.js";
import type { Summary } from "./stats.js";
import { seedCpus } from "./torture-setup.js";

export interface ChromeEvent {
  name: string; ph: "B" | "E" | "C" | "i" | "M"; pid: number; tid: number; ts?: number; cat?: string; s?: "t" | "p" | "g";
  args?: Record<string, number | string>;
}

export interface TraceResult {
  readonly trace: { traceEvents: ChromeEvent[]; displayTimeUnit: "ns"; otherData: Record<string, string | number> };
  readonly variant: string;
  readonly strategy: string;
  readonly paths: number;
  /** Events written, and events lost (a full ring in drop mode; that batch is left out of the file). */
  readonly events: number;
  readonly lostBatches: number;
  /** ns per path of the same mix on the release build and on the tracing build (recording into the rings). */
  readonly nsPerPathRelease: Summary;
  readonly nsPerPathTracing: Summary;
}

/** Paths per traced batch: a v5.6 syscall from a nohz_full user mode writes about 60 events; a ring holds RING_SIZE. */
const PATHS_PER_BATCH = 3;
const DANCE = ["rcu_irq_enter_irqson", "rcu_irq_exit_irqson", "rcu_irq_enter", "rcu_irq_exit", "rcu_irq_enter_irqson (v4.18)", "rcu_irq_exit_irqson (v4.18)"];

function names(m: Machine, v: Variant) {
  const path = new Map<number, string>();
  for (const e of v.mix) path.set(m.layout[e.path.global], `${e.path.name}@${e.path.kernel}`);
  const body = new Map<number, string>();
  for (const [k, val] of Object.entries(m.layout)) if (k.startsWith("RCUIDLE_BODY_")) body.set(val, k.slice(13).toLowerCase().replace(/_/g, "-"));
  return { path: (id: number) => path.get(id) ?? `path ${id}`, body: (id: number) => body.get(id) ?? `body ${id}` };
}

/** Chrome events of one CPU's batch, placed over [t0, t1] (us). Returns null if a slice is unbalanced (events lost). */
function cpuEvents(m: Machine, ev: RingEvent[], cpu: number, t0: number, t1: number, n: ReturnType<typeof names>): ChromeEvent[] | null {
  const L = m.layout, out: ChromeEvent[] = [];
  const stack: string[] = [];
  ev.forEach((e, i) => {
    const ts = t0 + ((i + 0.5) / ev.length) * (t1 - t0);
    const base = { pid: 1, tid: cpu, ts };
    const begin = (name: string, cat: string) => (stack.push(name), out.push({ ...base, name, cat, ph: "B" }));
    const end = (name: string, cat: string) => (stack.pop() === name ? out.push({ ...base, name, cat, ph: "E" }) : stack.push("!"));
    switch (e.kind) {
      case L.TEV_PATH_BEGIN: begin(n.path(e.value), "path"); break;
      case L.TEV_PATH_END: end(n.path(e.value), "path"); break;
      case L.TEV_TP_BEGIN: begin(`trace_irq_*_rcuidle [${n.body(e.value)}]`, "tracepoint"); break;
      case L.TEV_TP_END: end(`trace_irq_*_rcuidle [${n.body(e.value)}]`, "tracepoint"); break;
      case L.TEV_DANCE_BEGIN: begin(DANCE[e.value] ?? `dance ${e.value}`, "rcu"); break;
      case L.TEV_DANCE_END: end(DANCE[e.value] ?? `dance ${e.value}`, "rcu"); break;
      case L.TEV_NESTING:
        out.push({
          ...base, name: `CPU ${cpu} RCU nesting`, ph: "C",
          args: { dynticks_nesting: e.arg & 0xff, "dynticks_nmi_nesting (below IRQ_NONIDLE)": (e.arg >>> 8) & 0xffff, irq_nonidle: (e.arg >>> 24) & 1, watching: (e.arg >>> 25) & 1 },
        });
        break;
      case L.TEV_PROBE: out.push({ ...base, name: `probe record (tracepoint ${e.value})`, ph: "i", s: "t", args: { arg: e.arg } }); break;
      default: stack.push("!");
    }
  });
  return stack.length === 0 ? out : null;
}

/** The kthread's grace-period instants; its clock is us since the epoch, low 32 bits. */
function gpEvents(m: Machine, ev: RingEvent[], kthread: number, near: number): ChromeEvent[] {
  const L = m.layout, wrap = 2 ** 32;
  return ev.filter((e) => e.kind === L.TEV_GP_START || e.kind === L.TEV_GP_END).map((e) => {
    let ts = Math.floor(near / wrap) * wrap + e.arg;
    if (ts > near + wrap / 2) ts -= wrap;
    return { name: e.kind === L.TEV_GP_START ? "GP start" : "GP end", ph: "i", s: "g", pid: 1, tid: kthread, ts, args: { gp_seq: e.value } };
  });
}

/** Time the mix on `build` (no trace kept). */
async function timeOn(sc: Scenario, o: RunScenarioOptions, build: "release" | "tracing", v: Variant, s: BodyDef, iterations: number, reps: number) {
  const m = await Machine.create({ cpus: sc.cpus, build, platform: o.platform, deadlineMs: o.deadlineMs });
  try {
    await seedCpus(m, sc.seed);
    writeMix(m, v.mix, tracepointId(m), v.nohzFull);
    setBody(m, s);
    setTraceDrop(m, false);
    await attachProbes(m, s, sc.probes);
    const cpus = Array.from({ length: sc.cpus }, (_, i) => i);
    return (await measure(m, { command: "path_mix", iterations, reps, cpus })).nsPerOp;
  } finally {
    await m.close();
  }
}

export async function runTraced(sc: Scenario, o: RunScenarioOptions & { strategy?: string; iterations: number; reps: number }): Promise<TraceResult> {
  const v = sc.variants[0];
  const s = sc.strategies.find((x) => x.name === o.strategy) ?? sc.strategies.find((x) => x.keyEnabled) ?? sc.strategies[0];
  if (o.strategy && s.name !== o.strategy) throw new RangeError(`--trace-strategy ${o.strategy} is not among the scenario's strategies (${sc.strategies.map((x) => x.name).join(", ")})`);
  const nsPerPathRelease = await timeOn(sc, o, "release", v, s, o.iterations, o.reps);
  const nsPerPathTracing = await timeOn(sc, o, "tracing", v, s, o.iterations, o.reps);

  const m = await Machine.create({ cpus: sc.cpus, build: "tracing", platform: o.platform, deadlineMs: o.deadlineMs });
  const out: ChromeEvent[] = [{ name: "process_name", ph: "M", pid: 1, tid: 0, args: { name: `rcu-lab ${sc.name}: ${v.name}, ${s.name}` } }];
  for (let c = 0; c < sc.cpus; c++) out.push({ name: "thread_name", ph: "M", pid: 1, tid: c, args: { name: `CPU ${c}` } });
  out.push({ name: "thread_name", ph: "M", pid: 1, tid: sc.cpus, args: { name: "rcu_gp_kthread" } });
  let events = 0, lostBatches = 0, paths = 0;
  try {
    await seedCpus(m, sc.seed);
    writeMix(m, v.mix, tracepointId(m), v.nohzFull);
    setBody(m, s);
    const detach = await attachProbes(m, s, sc.probes);
    for (let c = 0; c <= sc.cpus; c++) drainRing(m, c); // registration's grace periods
    setTraceDrop(m, true);
    const batches = Math.ceil(sc.trace.paths / PATHS_PER_BATCH);
    for (let b = 0; b < batches; b++) {
      // a grace period now and then, so that its start and end show on the kthread's track
      if (b % 10 === 0) m.rcu.startPoll();
      const res = await m.runAll("path_mix", [PATHS_PER_BATCH], { barrier: true });
      const t1 = nowUs();
      paths += PATHS_PER_BATCH;
      for (let c = 0; c < sc.cpus; c++) {
        const { events: ev, lost } = drainRing(m, c);
        events += ev.length;
        const placed = lost ? null : cpuEvents(m, ev, c, t1 - res[c].elapsedNs / 1000, t1, names(m, v));
        if (placed) out.push(...placed);
        else lostBatches++;
      }
      out.push(...gpEvents(m, drainRing(m, sc.cpus).events, sc.cpus, t1));
    }
    await m.rcu.synchronize();
    out.push(...gpEvents(m, drainRing(m, sc.cpus).events, sc.cpus, nowUs()));
    await detach();
  } finally {
    await m.close();
  }
  const t0 = Math.min(...out.filter((e) => e.ts !== undefined).map((e) => e.ts!));
  for (const e of out) if (e.ts !== undefined) e.ts = Math.round((e.ts - t0) * 1000) / 1000;
  return {
    trace: {
      traceEvents: out, displayTimeUnit: "ns",
      otherData: { scenario: sc.name, variant: v.name, strategy: s.name, timestamps: "per-CPU event order exact; times interpolated over each batch (see docs/scenarios.md)" },
    },
    variant: v.name, strategy: s.name, paths, events, lostBatches, nsPerPathRelease, nsPerPathTracing,
  };
}
