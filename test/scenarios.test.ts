import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  BODIES, Machine, PATHS, SCENARIO_REPORT_SCHEMA, drainRing, parseScenario, runScenario, setBody, writeMix, type FaultName,
} from "../dist/bindings/index.js";
import { nodePlatform } from "../dist/bindings/platform/node.js";

// Issue 10, parts 3 and 4: the rcuidle tracepoint body chosen by the scenario, the shipped
// scenarios run shortened, the --json document, the Chrome trace.
const root = new URL("..", import.meta.url).pathname;
const cli = path.join(root, "dist/bindings/cli/main.js");
const schema = JSON.parse(fs.readFileSync(path.join(root, "scenarios/schema.json"), "utf8"));
const SHIPPED = fs.readdirSync(path.join(root, "scenarios")).filter((f) => f.endsWith(".json") && f !== "schema.json");

let m: Machine | undefined;
afterEach(async () => {
  await m?.close();
  m = undefined;
});

const vec = (o: Record<string, number>) => `A${o.atomic_rmw} M${o.smp_mb} Q${o.irq_save} C${o.call} I${o.indirect_call}`;

/** Ops of one trace_hardirqs_off (v5.6) per body, interrupts off, from task context or a nohz_full user mode. */
async function offOps(faults: FaultName[], fromUser: boolean) {
  const mm = await Machine.create({ cpus: 1, idle: false, build: "counting" });
  m = mm;
  const tp = mm.tracepoints.define("irq_disable_enable");
  tp.register("count", 1);
  mm.setFaults(faults);
  const out: Record<string, string> = {};
  for (const b of BODIES.filter((x) => x.keyEnabled)) {
    setBody(mm, b);
    await mm.run(0, "local_irq_disable");
    if (fromUser) await mm.run(0, "rcu_user_enter");
    const before = mm.opCounts(0), nw = mm.usageErrors(0)["not-watching"];
    await mm.run(0, "trace_hardirqs_off_v5_6", [tp.id]);
    const after = mm.opCounts(0);
    const d = Object.fromEntries(Object.keys(after).map((k) => [k, after[k as keyof typeof after] - before[k as keyof typeof before]]));
    out[b.name] = `${vec(d)}${mm.usageErrors(0)["not-watching"] > nw ? " not-watching" : ""}`;
    if (fromUser) await mm.run(0, "rcu_user_exit");
    await mm.run(0, "trace_hardirqs_on_v5_6", [tp.id]);
    await mm.run(0, "local_irq_enable");
  }
  await mm.close();
  m = undefined;
  return out;
}

describe("the rcuidle tracepoint's body is the scenario's choice (SCN_RCUIDLE_BODY)", () => {
  it("each body runs its own code: op counts of one trace_hardirqs_off differ as the strategy table says", async () => {
    // Task context (RCU watching). srcu-irq: SRCU's two smp_mb and the irq dance's two irq
    // saves; rcuidle-irq (v4.18): the dance only; rcuidle-srcu: SRCU only; the proposal
    // tests rcu_is_watching() and skips both; srcu-fast and noinstr call the probe through
    // the static call (C, not I). C includes trace_hardirqs_off and lockdep_hardirqs_off.
    expect(await offOps([], false)).toEqual({
      "rcuidle-srcu-irq": "A0 M2 Q2 C8 I1",
      "rcuidle-irq": "A0 M0 Q2 C8 I1",
      "rcuidle-srcu": "A0 M2 Q0 C4 I1",
      "rcuidle-watching": "A0 M0 Q0 C3 I1",
      "noinstr+lockdep": "A0 M0 Q0 C4 I0",
      plain: "A0 M0 Q0 C2 I1",
      "srcu-fast": "A0 M0 Q0 C5 I0",
    });
  });

  it("from a nohz_full user mode the proposal enters RCU (two atomics), and the bodies that need RCU watching are caught", async () => {
    const got = await offOps([], true);
    expect(got["rcuidle-watching"]).toMatch(/^A2 /);
    expect(got["rcuidle-srcu-irq"]).toMatch(/^A2 M2 Q2/);
    expect(got.plain).toMatch(/not-watching$/);
    expect(got["noinstr+lockdep"]).toMatch(/not-watching$/);
    expect(got["rcuidle-srcu"]).not.toMatch(/not-watching/);
  });

  it("broken variant rcuidle-body-ignored: every choice runs v5.6's body, which the first test would catch", async () => {
    const got = await offOps(["rcuidle-body-ignored"], false);
    expect(new Set(Object.values(got))).toEqual(new Set(["A0 M2 Q2 C8 I1"]));
  });
});

describe("the timeline events are the tracing build's only", () => {
  it("path_mix writes events into the ring on the tracing build and none on the release build", async () => {
    const events: Record<string, number> = {};
    for (const build of ["release", "tracing"] as const) {
      const mm = await Machine.create({ cpus: 1, idle: false, build });
      m = mm;
      const tp = mm.tracepoints.define("irq_disable_enable");
      tp.register("count", 1);
      writeMix(mm, [{ path: PATHS.find((p) => p.name === "syscall" && p.kernel === "v5.6")!, weight: 1 }], tp.id, true);
      drainRing(mm, 0);
      await mm.run(0, "path_mix", [3]);
      events[build] = drainRing(mm, 0).events.length;
      await mm.close();
      m = undefined;
    }
    expect(events.release).toBe(0);
    expect(events.tracing).toBeGreaterThan(3 * 2 * 4); // a slice per path and per tracepoint call, at least
  });
});

describe("shipped scenarios (scenarios/*.json)", () => {
  it("are listed in package.json files, parse against the schema, and each reproduction has a claim", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    expect(pkg.files).toContain("scenarios/");
    expect(SHIPPED.length).toBeGreaterThanOrEqual(5);
    for (const f of SHIPPED) {
      const sc = parseScenario(fs.readFileSync(path.join(root, "scenarios", f), "utf8"), f, schema);
      if (f.startsWith("r")) expect(sc.claim?.quote, f).toBeTruthy();
    }
  });

  for (const f of SHIPPED) {
    it(`${f} runs shortened and produces the documented report`, async () => {
      const sc = parseScenario(fs.readFileSync(path.join(root, "scenarios", f), "utf8"), f, schema);
      const r = await runScenario({ ...sc, reps: 1 }, { platform: nodePlatform, shorten: 200 });
      expect(r.schema).toBe(SCENARIO_REPORT_SCHEMA);
      expect(r.rows).toHaveLength(sc.variants.length * sc.strategies.length);
      for (const row of r.rows) {
        expect(row.nsPerPath.median).toBeGreaterThan(0);
        expect(row.nsPerPath.min).toBeLessThanOrEqual(row.nsPerPath.max);
        expect(Object.values(row.pathShare).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        expect(Object.values(row.opsPerPath).reduce((a, b) => a + b, 0)).toBeGreaterThan(0); // the counting build ran the mix
        if (sc.baseline) expect(row.vsBaseline).toBeDefined();
      }
      if (sc.interrupts && sc.interrupts.kind !== "none") expect(r.notes.join("\n")).toMatch(/interrupts: .*taken between paths/);
    }, 30_000);
  }
});

describe("rcu-lab run --json --trace --svg", () => {
  it("writes the JSON document, a chart, and a Chrome trace with one named track per CPU and properly nested slices", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rcu-lab-run-"));
    const file = path.join(dir, "two.json");
    fs.writeFileSync(file, JSON.stringify({
      name: "two-cpus", cpus: 2, iterations: 20000, reps: 1, nohzFull: true, updater: { cyclesPerBatch: 1 },
      mix: [{ path: "syscall", kernel: "v5.6", weight: 1 }, { path: "irq-off-on", kernel: "v5.8", weight: 1 }, { path: "sched-point", weight: 1 }],
      strategies: ["off", "rcuidle-srcu-irq"], trace: { paths: 30 },
    }));
    const trace = path.join(dir, "t.json"), svg = path.join(dir, "c.svg");
    const r = spawnSync(process.execPath, [cli, "run", file, "--json", "--trace", trace, "--svg", svg], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\] 4\/4 /); // progress on stderr
    const doc = JSON.parse(r.stdout);
    expect(doc.schema).toBe("rcu-lab/scenario@1");
    expect(doc.trace).toMatchObject({ file: trace, strategy: "rcuidle-srcu-irq" });
    expect(doc.trace.nsPerPathTracing.median).toBeGreaterThan(0);
    expect(fs.readFileSync(svg, "utf8")).toMatch(/^<svg[\s\S]*rcuidle-srcu-irq[\s\S]*<\/svg>\n$/);

    const t = JSON.parse(fs.readFileSync(trace, "utf8"));
    const ev = t.traceEvents as { name: string; ph: string; tid: number; ts?: number; args?: Record<string, unknown> }[];
    const tracks = ev.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => [e.tid, e.args?.name]);
    expect(tracks).toEqual([[0, "CPU 0"], [1, "CPU 1"], [2, "rcu_gp_kthread"]]);
    for (const cpu of [0, 1]) {
      const stack: string[] = [];
      let last = -Infinity, slices = 0;
      for (const e of ev.filter((x) => x.tid === cpu && (x.ph === "B" || x.ph === "E"))) {
        expect(e.ts!).toBeGreaterThanOrEqual(last);
        last = e.ts!;
        if (e.ph === "B") stack.push(e.name);
        else expect(stack.pop()).toBe(e.name);
        slices += e.ph === "B" ? 1 : 0;
      }
      expect(stack).toEqual([]);
      expect(slices).toBeGreaterThan(30);
    }
    const names = new Set(ev.map((e) => e.name));
    for (const n of ["syscall@v5.6", "rcu_irq_enter_irqson", "rcu_irq_enter", "trace_irq_*_rcuidle [srcu-irq]", "CPU 0 RCU nesting", "GP start", "GP end"]) expect(names, n).toContain(n);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("a malformed scenario is a usage error (exit status 2) that names the field", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rcu-lab-run-"));
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, JSON.stringify({ name: "x", cpus: 0, iterations: 1, mix: [{ path: "syscall", weight: 1 }], strategies: ["off"] }));
    const r = spawnSync(process.execPath, [cli, "run", file], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cpus: expected a number >= 1, found 0/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("a scenario's interrupts are delivered between the paths of the mix", () => {
  const PATH = (name: string) => PATHS.find((p) => p.name === name && p.kernel === "v5.6")!;
  async function mixWith(entry: "v5.6" | "x86-v5.6" | "x86-v5.8", ops: number) {
    const mm = await Machine.create({ cpus: 1, idle: false, build: "counting" });
    m = mm;
    const tp = mm.tracepoints.define("irq_disable_enable");
    tp.register("count", 1);
    writeMix(mm, [{ path: PATH("irq-off-on"), weight: 1 }], tp.id, false);
    mm.interrupts.configure(0, { kind: "every", ops }, { entry });
    await mm.run(0, "path_mix", [1000]);
    const L = mm.layout;
    return {
      d: mm.interrupts.deliveries(0),
      preempt: mm.readPerCpuU32(0, L.PCPU_PREEMPT_COUNT), irqsOff: mm.readPerCpuU32(0, L.PCPU_IRQS_DISABLED),
      nesting: mm.readPerCpuI64(0, L.PCPU_RCU_NESTING), tracingIrq: mm.readPerCpuU32(0, L.PCPU_TRACING_IRQ_CPU),
    };
  }

  it("every-n-ops: exactly floor(paths / N) device interrupts, and the CPU is back home after each", async () => {
    const r = await mixWith("x86-v5.6", 10);
    expect(r.d.device).toBe(100);
    expect([r.preempt & 0x7fffffff, r.irqsOff, r.nesting, r.tracingIrq]).toEqual([0, 0, 1n, 0]); // bit 31: PREEMPT_NEED_RESCHED, inverted
  });

  it("the timer through the x86 entry code: a tick taken between paths runs the version's TRACE_IRQS_OFF/ON (the probe twice per tick) and leaves the CPU home", async () => {
    // A tick at 10 kHz while the CPU runs the mix (batches until 3 arrived); each version's entry leaves the CPU home.
    for (const entry of ["x86-v5.6", "x86-v5.8"] as const) {
      const mm = await Machine.create({ cpus: 1, idle: true, build: "counting" });
      m = mm;
      const tp = mm.tracepoints.define("irq_disable_enable");
      tp.register("count", 1);
      writeMix(mm, [{ path: PATH("sched-point"), weight: 1 }], tp.id, false);
      mm.interrupts.configure(0, { kind: "tick", hz: 10_000 }, { entry });
      const probe0 = Number(mm.readPerCpuI64(0, mm.layout.PCPU_TP + mm.layout.TPS_COUNT));
      const t0 = Date.now();
      while (mm.interrupts.deliveries(0).timer < 3 && Date.now() - t0 < 10_000) await mm.run(0, "path_mix", [20_000]);
      const timer = mm.interrupts.deliveries(0).timer;
      expect(timer).toBeGreaterThanOrEqual(3);
      // Each tick from a task runs TRACE_IRQS_OFF / trace_hardirqs_on: the irq_disable/enable probe runs twice per tick.
      expect(Number(mm.readPerCpuI64(0, mm.layout.PCPU_TP + mm.layout.TPS_COUNT)) - probe0).toBe(2 * timer);
      expect(mm.readPerCpuU32(0, mm.layout.PCPU_PREEMPT_COUNT) & 0x7fffffff).toBe(0);
      expect(mm.readPerCpuU32(0, mm.layout.PCPU_IRQS_DISABLED)).toBe(0); // (RCU nesting: the CPU is back in its idle loop)
      expect(Object.values(mm.usageErrors(0)).every((v) => v === 0)).toBe(true);
      await mm.close();
      m = undefined;
    }
  });

  it("broken variant: entry v5.6 (irq_enter()/irq_exit() only) runs no tracepoint for the same ticks", async () => {
    const mm = await Machine.create({ cpus: 1, idle: true, build: "counting" });
    m = mm;
    const tp = mm.tracepoints.define("irq_disable_enable");
    tp.register("count", 1);
    writeMix(mm, [{ path: PATH("sched-point"), weight: 1 }], tp.id, false);
    mm.interrupts.configure(0, { kind: "tick", hz: 10_000 }, { entry: "v5.6" });
    const t0 = Date.now();
      while (mm.interrupts.deliveries(0).timer < 3 && Date.now() - t0 < 10_000) await mm.run(0, "path_mix", [20_000]);
    expect(mm.interrupts.deliveries(0).timer).toBeGreaterThanOrEqual(3);
    expect(Number(mm.readPerCpuI64(0, mm.layout.PCPU_TP + mm.layout.TPS_COUNT))).toBe(0);
  });
});
