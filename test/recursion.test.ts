import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  GUARDS, createLocalCpu, guardOpCounts, runRecursionScenario as runScenario, setLabFaults, type LocalCpu, type RecursionCounts,
} from "../dist/bindings/index.js";
import { nodePlatform } from "../dist/bindings/platform/node.js";

// The recursion lab (issue 11). The expected counts below were written from the guards'
// definitions (assembly/recursion/guards.ts, the kernel code each names) before the lab was
// run. Stack limit: 32 frames (a probe call, a trap, an interrupt: one frame each). Both
// tracers use the guard of the column. Fields: recorded (of them recursive), lost
// (legitimate events dropped), stopped (recursions dropped), crashes, maxDepth, leftover.
type E = [rec: number, recRecursive: number, lost: number, stopped: number, crashes: number, depth: number, leftover?: number];
const GUARD_ORDER = ["none", "bpf-prog-active", "ftrace-bits", "perf-context", "stack-flag", "stack-flag-per-tracer"] as const;

const EXPECTED: Record<string, E[]> = {
  // A's probe faults each time; the #PF handler's tracepoint calls A again. none: probes at
  // frames 1,3,..,31 (16 recorded), traps at 2..32, the 17th probe overflows. bpf/perf/stack
  // flags: the trap runs at the probe's level, on its stack: the 2nd call is stopped. ftrace:
  // the NORMAL bit is taken, the transition bit lets the 2nd call through, the 3rd is stopped.
  "trap-pf": [[16, 15, 0, 0, 1, 32], [1, 0, 0, 1, 0, 2], [2, 1, 0, 1, 0, 4], [1, 0, 0, 1, 0, 2], [1, 0, 0, 1, 0, 2], [1, 0, 0, 1, 0, 2]],
  "trap-db": [[16, 15, 0, 0, 1, 32], [1, 0, 0, 1, 0, 2], [2, 1, 0, 1, 0, 4], [1, 0, 0, 1, 0, 2], [1, 0, 0, 1, 0, 2], [1, 0, 0, 1, 0, 2]],
  // The IRQ's event is legitimate; only the per-CPU counter drops it.
  "irq-in-probe": [[2, 0, 0, 0, 0, 3], [1, 0, 1, 0, 0, 2], [2, 0, 0, 0, 0, 3], [2, 0, 0, 0, 0, 3], [2, 0, 0, 0, 0, 3], [2, 0, 0, 0, 0, 3]],
  // irq_disable fires on the IRQ stack before irq_enter(): perf sees level 0 (held: lost),
  // ftrace sees NORMAL (held) and takes the transition bit, the stack flag is the IRQ stack's.
  "irq-entry": [[3, 0, 0, 0, 0, 3], [1, 0, 2, 0, 0, 2], [3, 0, 0, 0, 0, 3], [2, 0, 1, 0, 0, 3], [3, 0, 0, 0, 0, 3], [3, 0, 0, 0, 0, 3]],
  // bpf: the IRQ's event by the counter, the NMI's because trace_call_bpf() does not run in NMI.
  "nmi-in-irq": [[3, 0, 0, 0, 0, 5], [1, 0, 2, 0, 0, 3], [3, 0, 0, 0, 0, 5], [3, 0, 0, 0, 0, 5], [3, 0, 0, 0, 0, 5], [3, 0, 0, 0, 0, 5]],
  // A hardirq over a softirq stays on the IRQ stack: its flag is the softirq probe's (lost);
  // ftrace's IRQ bit and perf's level 2 differ from the softirq's.
  "irq-in-softirq": [[2, 0, 0, 0, 0, 4], [1, 0, 1, 0, 0, 3], [2, 0, 0, 0, 0, 4], [2, 0, 0, 0, 0, 4], [1, 0, 1, 0, 0, 3], [1, 0, 1, 0, 0, 3]],
  // v5.6 #BP: poke_int3_handler() calls bsearch(), whose site is int3'd too: #BP in #BP until
  // the stack overflows (frames 2..32), whatever the guard: no probe is ever reached.
  "patch-int3-v5.6": Array(6).fill([1, 0, 0, 0, 1, 32]),
  // noinstr #BP: the new CALL reaches B (legitimate: B traces A's helper) at the probe's level.
  "patch-int3-noinstr": [[2, 0, 0, 0, 0, 2], [1, 0, 1, 0, 0, 2], [2, 0, 0, 0, 0, 2], [1, 0, 1, 0, 0, 2], [1, 0, 1, 0, 0, 2], [2, 0, 0, 0, 0, 2]],
  // v5.6 #BP whose bsearch() A already traces: A's call inside the trap is A's recursion (the
  // trap is on A's chain, at its level, on its stack). none: A at frames 1,3,..,31, then the
  // overflow. ftrace: A2 through the transition bit, A3 stopped, the inner B lost, the outer B
  // recorded. per tracer: only B (legitimate) runs.
  "patch-int3-traced": [[16, 15, 0, 0, 1, 32], [1, 0, 1, 1, 0, 2], [3, 1, 1, 1, 0, 4], [1, 0, 1, 1, 0, 2], [1, 0, 1, 1, 0, 2], [2, 0, 0, 1, 0, 2]],
  // A -> B (legitimate) -> A (recursive) -> ...: none overflows after 32 probes (2 legitimate).
  "tracers-each-other": [[32, 30, 0, 0, 1, 32], [1, 0, 1, 0, 0, 1], [2, 0, 0, 1, 0, 2], [1, 0, 1, 0, 0, 1], [1, 0, 1, 0, 0, 1], [2, 0, 0, 1, 0, 2]],
  // Task 0's probe migrates: CPU 0's counter stays 1 (task 1's two events lost, and its next),
  // task 0 decrements CPU 1's (-1: its next event lost too); both counters are left non-zero.
  "migrate-in-probe": [[5, 0, 0, 0, 0, 1, 0], [1, 0, 4, 0, 0, 1, 2], [5, 0, 0, 0, 0, 1, 0], [1, 0, 4, 0, 0, 1, 2], [5, 0, 0, 0, 0, 1, 0], [5, 0, 0, 0, 0, 1, 0]],
  // migrate_disable(): task 1's two events are lost while task 0's probe is preempted on the
  // CPU; task 0 then releases the counter on the same CPU, and the last two events record.
  "preempt-in-probe": [[5, 0, 0, 0, 0, 1], [3, 0, 2, 0, 0, 1], [5, 0, 0, 0, 0, 1], [3, 0, 2, 0, 0, 1], [5, 0, 0, 0, 0, 1], [5, 0, 0, 0, 0, 1]],
};

const toE = (c: RecursionCounts): E => [c.recorded, c.recordedRecursive, c.lost, c.stopped, c.crashes, c.maxDepth, c.leftover];
/** The specification check: what differs from the expected row (leftover is 0 unless given). */
function mismatch(c: RecursionCounts, e: E): string[] {
  const want = [...e.slice(0, 6), e[6] ?? 0];
  const names = ["recorded", "recordedRecursive", "lost", "stopped", "crashes", "maxDepth", "leftover"];
  return toE(c).flatMap((v, i) => (v === want[i] ? [] : [`${names[i]} ${v}, expected ${want[i]}`]));
}

let cpu: LocalCpu;
let counting: LocalCpu;
beforeAll(async () => {
  cpu = await createLocalCpu(nodePlatform, "release");
  counting = await createLocalCpu(nodePlatform, "counting");
});

describe("recursion guards in the deterministic scenarios (counts written from the definitions)", () => {
  for (const [scenarioName, rows] of Object.entries(EXPECTED)) {
    it(`${scenarioName}: every guard records, loses, stops and crashes as its kernel code says`, () => {
      setLabFaults(cpu, []);
      GUARD_ORDER.forEach((g, i) => {
        const c = runScenario(cpu, scenarioName, g);
        expect(mismatch(c, rows[i]), `${g}`).toEqual([]);
        // every call is accounted for: recorded, lost, stopped, or the one that overflowed
        expect(c.attemptsLegit + c.attemptsRecursive).toBe(c.recorded + c.lost + c.stopped + c.crashes * (scenarioName === "patch-int3-v5.6" ? 0 : 1));
      });
    });
  }

  // Each guard broken once (fault rec-guard-broken), in a scenario where its breakage shows.
  const BROKEN: [guard: string, scenario: string, what: string][] = [
    ["none", "trap-pf", "the stack overflows one frame later"],
    ["bpf-prog-active", "irq-in-probe", "the counter is not tested: the IRQ's event runs (and in trap-pf the recursion runs away)"],
    ["ftrace-bits", "nmi-in-irq", "every context looks NORMAL: the NMI's event finds the bit and the transition bit taken"],
    ["perf-context", "irq-in-probe", "every level looks like 0: the IRQ's event is lost"],
    ["stack-flag", "trap-pf", "a trap gets a flag of its own: the fault recursion runs to an overflow"],
    ["stack-flag-per-tracer", "tracers-each-other", "one bit for every tracer: B may no longer trace A"],
  ];
  for (const [g, s, what] of BROKEN) {
    it(`broken ${g} (${what}) fails the ${s} check`, () => {
      setLabFaults(cpu, ["rec-guard-broken"]);
      try {
        const c = runScenario(cpu, s, g);
        expect(mismatch(c, EXPECTED[s][GUARD_ORDER.indexOf(g as (typeof GUARD_ORDER)[number])]).length).toBeGreaterThan(0);
      } finally {
        setLabFaults(cpu, []);
      }
    });
  }
});

describe("guards chosen per tracer", () => {
  it("tracers-each-other with A on ftrace-bits and B on bpf-prog-active: each guard sees only its own state, so A's recursion gets through once", () => {
    // A1 (bit NORMAL) -> B1 (bpf_prog_active 0 -> 1: legitimate, recorded) -> A2 (recursive:
    // NORMAL taken, the transition bit is free: recorded) -> B2 (recursive: counter 1 -> stopped).
    const c = runScenario(cpu, "tracers-each-other", "ftrace-bits", { guardB: "bpf-prog-active" });
    expect(mismatch(c, [3, 1, 0, 1, 0, 3])).toEqual([]);
  });
});

describe("text_poke_bp's window (int3 installed, tail written, first byte written)", () => {
  it("a site traps only between the int3 and the first byte; the #BP emulates the new instruction", () => {
    // [window step, recorded, traps]: 0 NOP (B not reached), 1-2 int3 (#BP, emulated CALL reaches B), 3 the new CALL
    for (const [w, rec, traps] of [[0, 1, 0], [1, 2, 1], [2, 2, 1], [3, 2, 0]]) {
      const c = runScenario(cpu, "patch-int3-noinstr", "none", { arg: w });
      expect([c.recorded, c.traps], `window step ${w}`).toEqual([rec, traps]);
      const v56 = runScenario(cpu, "patch-int3-v5.6", "none", { arg: w });
      expect(v56.crashes, `v5.6, window step ${w}`).toBe(w === 1 || w === 2 ? 1 : 0);
    }
  });

  it("broken poke_int3_handler (emulates the old NOP) fails it: B is not reached inside the window", () => {
    setLabFaults(cpu, ["poke-emulates-old"]);
    try {
      const c = runScenario(cpu, "patch-int3-noinstr", "none", { arg: 1 });
      expect([c.recorded, c.traps]).not.toEqual([2, 1]);
    } finally {
      setLabFaults(cpu, []);
    }
  });
});

describe("step by step and at random", () => {
  it("irq-in-probe driven from the host command by command gives the one-call scenario's counts", () => {
    const e = cpu.exports, L = cpu.layout;
    for (const [gi, g] of GUARD_ORDER.entries()) {
      const whole = runScenario(cpu, "irq-in-probe", g);
      e.rec_lab_reset(1);
      e.rec_lab_guard(L.TRACER_A, gi);
      e.rec_lab_enable(L.TP_TASK, L.TRACER_A);
      e.rec_lab_enable(L.TP_IRQ, L.TRACER_A);
      e.rec_lab_pending(L.PEND_IRQ);
      e.rec_tracepoint(L.TP_TASK);
      const u32 = new Uint32Array(cpu.memory.buffer, L.PERCPU_BASE + L.PCPU_REC_LAB + L.RL_STATS, L.NR_REC_STATS);
      expect([u32[L.ST_RECORDED_LEGIT], u32[L.ST_LOST], u32[L.ST_MAX_DEPTH]], g).toEqual([whole.recordedLegit, whole.lost, whole.maxDepth]);
    }
  });

  it("the random scenario is a function of its seed, and keeps each guard's properties", () => {
    const a = runScenario(cpu, "random", "ftrace-bits", { seed: 5, arg: 1500 });
    expect(runScenario(cpu, "random", "ftrace-bits", { seed: 5, arg: 1500 })).toEqual(a);
    expect(runScenario(cpu, "random", "ftrace-bits", { seed: 6, arg: 1500 })).not.toEqual(a);
    const by = Object.fromEntries(GUARD_ORDER.map((g) => [g, runScenario(cpu, "random", g, { seed: 5, arg: 1500 })]));
    for (const [g, c] of Object.entries(by)) {
      expect(c.steps, g).toBe(1500);
      // a crash at a probe call leaves its attempt unaccounted; at a trap, none
      const open = c.attemptsLegit + c.attemptsRecursive - (c.recorded + c.lost + c.stopped);
      expect(open >= 0 && open <= c.crashes, `${g}: ${open} calls unaccounted, ${c.crashes} crashes`).toBe(true);
      expect(c.leftover, g).toBe(0);
    }
    expect([by.none.lost, by.none.stopped]).toEqual([0, 0]); // no guard drops nothing
    for (const g of ["bpf-prog-active", "perf-context", "stack-flag", "stack-flag-per-tracer"]) expect(by[g].recordedRecursive, g).toBe(0);
    expect(by["ftrace-bits"].recordedRecursive).toBeGreaterThan(0); // the transition bit lets one level through
    expect(by["stack-flag-per-tracer"].lost).toBeLessThan(by["stack-flag"].lost); // B may trace A
    expect(by["bpf-prog-active"].lost).toBeGreaterThan(by["perf-context"].lost); // one counter for every level
  });
});

describe("the guards' cost per call", () => {
  it("exact op counts per try + release (counting build), as read from each guard's code", () => {
    const z = { read_once: 0, write_once: 0, this_cpu_rmw: 0, atomic_rmw: 0, smp_mb: 0, store_release: 0, branch: 0, indirect_call: 0, call: 0, irq_save: 0, irq_restore: 0 };
    const want: Record<string, Partial<typeof z>> = {
      none: {},
      "bpf-prog-active": { read_once: 1, this_cpu_rmw: 2, branch: 3 }, // in_nmi, inc_return, != 1; dec; the caller's test
      "ftrace-bits": { read_once: 5, write_once: 2, branch: 5 }, // current, trace_recursion, preempt_count; current, trace_recursion
      "perf-context": { read_once: 5, write_once: 2, branch: 2 }, // preempt_count, this_cpu_off, recursion[rctx]; this_cpu_off, recursion[rctx]
      "stack-flag": { read_once: 2, write_once: 2, branch: 2 }, // the stack's flag pointer and flag; the clear
      "stack-flag-per-tracer": { read_once: 3, write_once: 2, branch: 2 },
    };
    for (const g of GUARDS) expect(guardOpCounts(counting, g.name), g.name).toEqual({ ...z, ...want[g.name] });
  });
});

describe("rcu-lab recursion", () => {
  const cli = fileURLToPath(new URL("../dist/bindings/cli/main.js", import.meta.url));
  it("prints schema rcu-lab/recursion@1 with --json, and refuses an unknown guard with exit status 2", () => {
    const r = spawnSync(process.execPath, [cli, "recursion", "--no-costs", "--json", "--scenarios", "trap-pf,irq-in-probe"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.schema).toBe("rcu-lab/recursion@1");
    expect(j.cells).toHaveLength(2 * 6);
    expect(j.cells.find((c: { guard: string; scenario: string }) => c.guard === "none" && c.scenario === "trap-pf").crashes).toBe(1);
    const bad = spawnSync(process.execPath, [cli, "recursion", "--no-costs", "--guards", "rcu-guard"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown guard 'rcu-guard'; expected one of: none, bpf-prog-active/);
  });
});
