import { afterEach, describe, expect, it } from "vitest";
import { Machine, runTorture } from "../dist/bindings/index.js";

// Kernel paths of issue 10, part 1 (assembly/kernel/entry_irq.ts, softirq.ts, idle_loop.ts,
// entry_nmi.ts, preemptirq_toggle.ts). Dynticks in v5.6 arithmetic (test/rcu-dynticks.test.ts):
// +2 per EQS transition (rcu_dynticks_eqs_enter/exit), bit 1 set = watching; nesting 1 and
// nmi_nesting DYNTICK_IRQ_NONIDLE in task context, 0 and 0 in idle or a nohz_full user mode.
const N = 0x4000000000000000n;

let m: Machine | undefined;
afterEach(async () => {
  await m?.close();
  m = undefined;
});

async function machine(build: "release" | "counting" = "release") {
  const mm = await Machine.create({ cpus: 1, idle: false, build });
  const irq = mm.tracepoints.define("irq_disable_enable");
  irq.register("count", 1); // the static key on: every tracepoint call runs
  const idle = mm.tracepoints.define("cpu_idle");
  idle.register("count", 1);
  const nmi = mm.tracepoints.define("nmi_handler");
  nmi.register("count", 1);
  return { mm, id: irq.id, idleId: idle.id, nmiId: nmi.id };
}

function state(mm: Machine) {
  const L = mm.layout;
  return {
    dynticks: mm.readPerCpuU32(0, L.PCPU_RCU_DYNTICKS),
    nesting: mm.readPerCpuI64(0, L.PCPU_RCU_NESTING),
    nmi: mm.readPerCpuI64(0, L.PCPU_RCU_NMI_NESTING),
    preempt: mm.readPerCpuU32(0, L.PCPU_PREEMPT_COUNT),
    irqsOff: mm.readPerCpuU32(0, L.PCPU_IRQS_DISABLED),
    tracingIrq: mm.readPerCpuU32(0, L.PCPU_TRACING_IRQ_CPU),
  };
}

const noUsageErrors = (mm: Machine) => Object.entries(mm.usageErrors(0)).filter(([, v]) => v !== 0);
const probeCalls = (mm: Machine) => Number(mm.readPerCpuI64(0, mm.layout.PCPU_TP + mm.layout.TPS_COUNT));

type Ctx = "task" | "idle" | "user" | "user-nohz";

/** Put CPU 0 into the interrupted context: idle = rcu_idle_enter(), then sti; hlt; user-nohz = rcu_user_enter(). */
async function enter(mm: Machine, ctx: Ctx) {
  if (ctx === "task" || ctx === "user") return;
  await mm.run(0, "local_irq_disable");
  await mm.run(0, ctx === "idle" ? "rcu_idle_enter" : "rcu_user_enter");
  await mm.run(0, "local_irq_enable");
}

async function leave(mm: Machine, ctx: Ctx) {
  if (ctx === "task" || ctx === "user") return;
  await mm.run(0, "local_irq_disable");
  await mm.run(0, ctx === "idle" ? "rcu_idle_exit" : "rcu_user_exit");
  await mm.run(0, "local_irq_enable");
}

const cmd = (v: string, ctx: Ctx, id: number, nested: number): [string, number[]] =>
  ctx === "task" ? [`irq_from_task_${v}`, [id, nested]]
  : ctx === "idle" ? [`irq_from_idle_${v}`, [id, nested]]
  : [`irq_from_user_${v}`, [id, ctx === "user-nohz" ? 1 : 0, nested]];

describe("a tick interrupt, complete (entry, handler, irq_exit with softirq and a nested tick, return)", () => {
  // [version, context, dynticks added by one interrupt, quiescent states reported]. Where RCU
  // is not watching (idle, nohz_full user mode) each rcuidle trace_hardirqs_off/on leaves and
  // re-enters the EQS (rcu_irq_enter/exit_irqson: +4).
  //  v5.6 idle: TRACE_IRQS_OFF rcuidle (+4), irq_enter's rcu_irq_enter (+2), irq_exit's
  //    rcu_irq_exit (+2), TRACE_IRQS_IRETQ rcuidle (+4) = 12; the tick is the first level from
  //    RCU-idle (nmi_nesting 1, nesting 0): 1 QS.
  //  v5.6 nohz_full user: TRACE_IRQS_OFF rcuidle (+4), user_exit_irqoff (+2), user_enter_irqoff
  //    (+2), TRACE_IRQS_IRETQ rcuidle (+4) = 12; QS from user mode.
  //  v5.8 idle: rcu_irq_enter (+2) before trace_hardirqs_off_finish (plain), rcu_irq_exit (+2)
  //    after trace_hardirqs_on_prepare = 4. v5.8 nohz_full user: user_exit/enter_irqoff = 4.
  //  task and a user mode RCU watches: 0; v5.8 from a task calls no rcu_irq_enter at all.
  //  The nested tick (softirq over the first one) is no QS in either version: in v5.6 and in
  //  v5.8's idle task it enters RCU (nmi_nesting 3 over idle), in v5.8 over a task nmi_nesting stays N.
  const table: [string, Ctx, number, number][] = [
    ["v5_6", "task", 0, 0], ["v5_6", "idle", 12, 1], ["v5_6", "user", 0, 1], ["v5_6", "user-nohz", 12, 1],
    ["v5_8", "task", 0, 0], ["v5_8", "idle", 4, 1], ["v5_8", "user", 0, 1], ["v5_8", "user-nohz", 4, 1],
  ];
  for (const [v, ctx, dyn, qs] of table) {
    it(`${v} from ${ctx}: dynticks +${dyn}, ${qs} QS, with and without the nested tick; preempt count, IF, tracing_irq_cpu and the nesting counters as found`, async () => {
      const { mm, id } = await machine();
      m = mm;
      await enter(mm, ctx);
      for (const nested of [0, 1]) {
        const before = state(mm);
        const [c, args] = cmd(v, ctx, id, nested);
        expect({ nested, qs: (await mm.run(0, c, args)).value }).toEqual({ nested, qs });
        expect({ nested, ...state(mm) }).toEqual({ nested, ...before, dynticks: before.dynticks + dyn });
      }
      const before = state(mm);
      const L = mm.layout;
      const from = { task: L.IRQ_FROM_TASK, idle: L.IRQ_FROM_IDLE, user: L.IRQ_FROM_USER, "user-nohz": L.IRQ_FROM_USER_NOHZ_FULL }[ctx];
      expect((await mm.run(0, `irq_loop_${v}`, [3, id, from, 1])).value).toBe(3 * qs);
      expect(state(mm)).toEqual({ ...before, dynticks: before.dynticks + 3 * dyn });
      await leave(mm, ctx);
      expect(state(mm)).toMatchObject({ nesting: 1n, nmi: N, preempt: 0x80000000, irqsOff: 0, tracingIrq: 0 });
      expect(noUsageErrors(mm)).toEqual([]);
    });
  }

  it("the balance check fails on a v5.8 exit that ignores rcu_exit (no rcu_irq_exit(): nmi_nesting left at 1, RCU watching in idle)", async () => {
    const { mm, id } = await machine();
    m = mm;
    mm.setFaults(["irq-exit-ignores-rcu-exit"]);
    await enter(mm, "idle");
    const before = state(mm);
    await mm.run(0, "irq_from_idle_v5_8", [id, 0]);
    expect(state(mm)).not.toEqual({ ...before, dynticks: before.dynticks + 4 });
    expect(state(mm)).toMatchObject({ dynticks: before.dynticks + 2, nmi: 1n });
  });

  it("v5.6 from nohz_full user mode calls TRACE_IRQS_OFF twice: the second finds tracing_irq_cpu set and runs no tracepoint", async () => {
    const { mm, id } = await machine();
    m = mm;
    await enter(mm, "user-nohz");
    await mm.run(0, "irq_from_user_v5_6", [id, 1, 0]);
    // entry: one irq_disable (the first TRACE_IRQS_OFF); exit: TRACE_IRQS_OFF cheap, IRETQ one irq_enable
    expect(probeCalls(mm)).toBe(2);
    await mm.run(0, "irq_from_user_v5_6", [id, 1, 1]);
    // + softirq's local_irq_enable/disable (2) + the nested tick's off and on (2)
    expect(probeCalls(mm)).toBe(2 + 2 + 2 + 2);
    // broken variant: without the tracing_irq_cpu guard the second TRACE_IRQS_OFF runs the tracepoint too
    mm.setFaults(["trace-irq-no-guard"]);
    await mm.run(0, "irq_from_user_v5_6", [id, 1, 0]);
    expect(probeCalls(mm) - 8).toBeGreaterThan(2);
  });
});

describe("what one tick costs, v5.6 against v5.8 (counting build, op counts)", () => {
  it("v5.6 runs the rcuidle irq tracepoints on every interrupt; v5.8 only where RCU watched already (task), its idle and user entries the plain ones after RCU is on", async () => {
    const { mm, id } = await machine("counting");
    m = mm;
    const L = mm.layout;
    // A atomic RMWs (EQS transitions), M smp_mb (2 per rcuidle tracepoint: SRCU barriers B and C),
    // Q irq saves (2 per rcuidle tracepoint: rcu_irq_enter/exit_irqson; 1 per local_bh_disable:
    // irq_enter()'s tick part in idle, __do_softirq()), I probe calls (irq_disable + irq_enable).
    // Nested: + __do_softirq()'s traced local_irq_enable/disable (2 rcuidle) + the nested tick.
    const vec = (o: Record<string, number>) => `A${o.atomic_rmw} M${o.smp_mb} Q${o.irq_save} I${o.indirect_call}`;
    const got: Record<string, string> = {};
    for (const v of ["v5_6", "v5_8"]) {
      for (const ctx of ["task", "idle", "user", "user-nohz"] as Ctx[]) {
        const from = { task: L.IRQ_FROM_TASK, idle: L.IRQ_FROM_IDLE, user: L.IRQ_FROM_USER, "user-nohz": L.IRQ_FROM_USER_NOHZ_FULL }[ctx];
        await enter(mm, ctx);
        for (const nested of [0, 1]) {
          const b = mm.opCounts(0);
          await mm.run(0, `irq_loop_${v}`, [1, id, from, nested]);
          const a = mm.opCounts(0);
          got[`${v} ${ctx}${nested ? " nested" : ""}`] = vec(Object.fromEntries(Object.keys(a).map((k) => [k, a[k as keyof typeof a] - b[k as keyof typeof b]])));
        }
        await leave(mm, ctx);
      }
    }
    expect(got).toEqual({
      "v5_6 task": "A0 M4 Q4 I2", "v5_6 task nested": "A0 M12 Q13 I6",
      "v5_6 idle": "A6 M4 Q5 I2", "v5_6 idle nested": "A6 M12 Q14 I6",
      "v5_6 user": "A0 M4 Q4 I2", "v5_6 user nested": "A0 M12 Q13 I6",
      "v5_6 user-nohz": "A6 M4 Q4 I2", "v5_6 user-nohz nested": "A6 M12 Q13 I6",
      "v5_8 task": "A0 M4 Q4 I2", "v5_8 task nested": "A0 M12 Q13 I6",
      "v5_8 idle": "A2 M0 Q1 I2", "v5_8 idle nested": "A2 M4 Q6 I6",
      "v5_8 user": "A0 M0 Q0 I2", "v5_8 user nested": "A0 M8 Q9 I6",
      "v5_8 user-nohz": "A2 M0 Q0 I2", "v5_8 user-nohz nested": "A2 M8 Q9 I6",
    });
    expect(noUsageErrors(mm)).toEqual([]);
  });
});

describe("irq-entry-watching-shortcut (3eeec3858488, fixed by 0bf3924bfabd)", () => {
  it("a tick nested in softirq processing over idle reports no QS in v5.8; with the rcu_is_watching() shortcut it does (nmi_nesting 1, nesting 0)", async () => {
    const { mm, id } = await machine();
    m = mm;
    await enter(mm, "idle");
    expect((await mm.run(0, "irq_from_idle_v5_8", [id, 1])).value).toBe(1); // the outer tick only
    mm.setFaults(["irq-entry-watching-shortcut"]);
    expect((await mm.run(0, "irq_from_idle_v5_8", [id, 1])).value).toBe(2); // the nested one too
    expect((await mm.run(0, "irq_from_idle_v5_8", [id, 0])).value).toBe(1); // not nested: harmless
    mm.setFaults([]);
  });

  it("the torture oracle catches it: RCU readers in a v5.8 timer softirq over idle with a nested tick", async () => {
    const mm = await Machine.create({ cpus: 3 });
    m = mm;
    const r = await runTorture(mm, { flavor: "rcu", fault: "irq-entry-watching-shortcut", seconds: 2, seed: 7 });
    expect(r.verdict).toBe("FAIL");
    expect(r.pipeErrors).toBeGreaterThan(0);
  });
});

describe("the v5.6 idle loop, NMIs, and the traced irq/preempt toggles", () => {
  it("idle_loop_v5_6: dynticks +28 per pass (trace_hardirqs_off watching; rcu_idle_enter +2; rcuidle cpu_idle +4, safe_halt's trace_hardirqs_on +4; the waking tick +12; cpu_idle exit +4; rcu_idle_exit +2), state as found", async () => {
    const { mm, id, idleId } = await machine();
    m = mm;
    const before = state(mm);
    expect((await mm.run(0, "idle_loop_v5_6", [id, idleId, 1])).value).toBe(1);
    expect(state(mm)).toEqual({ ...before, dynticks: before.dynticks + 28 });
    expect((await mm.run(0, "idle_loop_n_v5_6", [4, id, idleId, 0])).value).toBe(4);
    expect(state(mm)).toEqual({ ...before, dynticks: before.dynticks + 5 * 28 });
    expect(noUsageErrors(mm)).toEqual([]);
    // broken variant: the plain trace_cpu_idle() after rcu_idle_enter() runs where RCU is not watching
    mm.setFaults(["idle-plain-tracepoint"]);
    await mm.run(0, "idle_loop_v5_6", [id, idleId, 0]);
    expect(mm.usageErrors(0)["not-watching"]).toBe(2);
  });

  // [context, dynticks added]: rcu_nmi_enter/exit leave and re-enter an EQS (+4) or count 2 (task).
  for (const [ctx, dyn] of [["task", 0], ["idle", 4], ["user-nohz", 4]] as [Ctx, number][]) {
    it(`nmi_v5_6 from ${ctx}: dynticks +${dyn}, the plain nmi_handler tracepoint runs with RCU watching, state as found`, async () => {
      const { mm, nmiId } = await machine();
      m = mm;
      await enter(mm, ctx);
      const before = state(mm);
      await mm.run(0, "nmi_v5_6", [nmiId]);
      await mm.run(0, "nmi_loop_v5_6", [2, nmiId]);
      expect(state(mm)).toEqual({ ...before, dynticks: before.dynticks + 3 * dyn });
      expect(probeCalls(mm)).toBe(3);
      expect(noUsageErrors(mm)).toEqual([]);
      // broken variant: the handler's plain tracepoint before rcu_nmi_enter() (caught where RCU is not watching)
      mm.setFaults(["nmi-trace-before-rcu"]);
      await mm.run(0, "nmi_v5_6", [nmiId]);
      expect(mm.usageErrors(0)["not-watching"]).toBe(ctx === "task" ? 0 : 1);
    });
  }

  it("preempt_disable/enable trace only the outermost level (preempt_count() == 1), not inside an irq; local_irq_disable/enable trace once per off/on", async () => {
    const { mm, id } = await machine();
    m = mm;
    const before = state(mm);
    for (const c of ["preempt_disable_traced", "preempt_disable_traced", "preempt_enable_traced", "preempt_enable_traced"]) await mm.run(0, c, [id]);
    expect(probeCalls(mm)).toBe(2);
    await mm.run(0, "irq_enter");
    await mm.run(0, "preempt_disable_traced", [id]);
    await mm.run(0, "preempt_enable_traced", [id]);
    await mm.run(0, "irq_exit");
    expect(probeCalls(mm)).toBe(2);
    for (const v of ["v5_6", "v5_8"]) {
      for (const c of ["disable", "disable", "enable"]) await mm.run(0, `local_irq_${c}_traced_${v}`, [id]);
    }
    expect(probeCalls(mm)).toBe(2 + 4);
    expect(state(mm)).toEqual(before);
    expect(noUsageErrors(mm)).toEqual([]);
    // broken variant: without preempt_count() == val every level runs the tracepoint
    mm.setFaults(["preempt-trace-every-level"]);
    for (const c of ["disable", "disable", "enable", "enable"]) await mm.run(0, `preempt_${c}_traced`, [id]);
    expect(probeCalls(mm)).toBe(6 + 4);
  });
});
