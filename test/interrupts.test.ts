import { describe, expect, it } from "vitest";
import { runTorture, type Machine } from "../dist/bindings/index.js";
import { settlesWithin, until, useMachines } from "./helpers.js";

// Issue 10, part 2: interrupts delivered to a running CPU (assembly/kernel/irq_delivery.ts)
// and expedited grace periods on IPIs (assembly/rcu/tree_exp.ts). Dynticks in v5.6
// arithmetic: +2 per EQS transition, bit 1 set = watching; DYNTICK_IRQ_NONIDLE in task context.
const N = 0x4000000000000000n;
const machine = useMachines({ deadlineMs: 20_000 });

function state(m: Machine, cpu: number) {
  const L = m.layout;
  return {
    dynticks: m.readPerCpuU32(cpu, L.PCPU_RCU_DYNTICKS),
    nesting: m.readPerCpuI64(cpu, L.PCPU_RCU_NESTING),
    nmi: m.readPerCpuI64(cpu, L.PCPU_RCU_NMI_NESTING),
    preempt: m.readPerCpuU32(cpu, L.PCPU_PREEMPT_COUNT),
    irqsOff: m.readPerCpuU32(cpu, L.PCPU_IRQS_DISABLED),
  };
}
const TASK = { dynticks: 2, nesting: 1n, nmi: N, preempt: 0x80000000, irqsOff: 0 };
const noUsageErrors = (m: Machine, cpu: number) => Object.values(m.usageErrors(cpu)).every((v) => v === 0);

describe("interrupt schedules (every N operations, random with a seed)", () => {
  it("every N operations delivers exactly floor(n / N) device interrupts over a known loop, and leaves the CPU's state as it found it", async () => {
    const m = await machine(1, { idle: false });
    m.interrupts.configure(0, { kind: "every", ops: 7 });
    await m.run(0, "irq_poll_loop", [100]);
    expect(m.interrupts.deliveries(0).device).toBe(14);
    await m.run(0, "irq_poll_loop", [100]);
    expect(m.interrupts.deliveries(0).device).toBe(28); // floor(200 / 7): the count carries over
    expect(state(m, 0)).toEqual(TASK);
    m.interrupts.configure(0, { kind: "every", ops: 10 });
    const tp = m.tracepoints.define("irq_sched_test");
    await m.run(0, "syscall_loop_v5_6", [50, tp.id, 0]); // one interrupt-enabled point per syscall, in user mode
    expect(m.interrupts.deliveries(0)).toMatchObject({ device: 33, timer: 0, ipi: 0 });
    expect(state(m, 0)).toEqual(TASK);
    expect(noUsageErrors(m, 0)).toBe(true);
  });

  it("interrupts delivered from a nohz_full user mode enter RCU from its EQS and leave it there again", async () => {
    const m = await machine(1, { idle: false });
    const tp = m.tracepoints.define("irq_sched_user");
    for (const c of ["local_irq_disable", "rcu_user_enter", "local_irq_enable"]) await m.run(0, c);
    const user = state(m, 0);
    expect(user).toMatchObject({ dynticks: 4, nesting: 0n, nmi: 0n });
    m.interrupts.configure(0, { kind: "every", ops: 1 });
    await m.run(0, "syscall_loop_v5_8", [5, tp.id, 1]);
    expect(m.interrupts.deliveries(0).device).toBe(5);
    // per syscall: user_exit/user_enter (+4); per interrupt from user mode: rcu_irq_enter/exit from the EQS (+4)
    expect(state(m, 0)).toEqual({ ...user, dynticks: 4 + 5 * 4 + 5 * 4 });
    expect(noUsageErrors(m, 0)).toBe(true);
  });

  it("a random schedule with a seed is reproducible, and its mean is the one asked for", async () => {
    const m = await machine(1, { idle: false });
    const run = async (seed: number) => {
      m.interrupts.configure(0, { kind: "random", seed, meanOps: 5 });
      const seen: number[] = [];
      for (let i = 0; i < 20; i++) {
        const before = m.interrupts.deliveries(0).device;
        await m.run(0, "irq_poll_loop", [50]);
        seen.push(m.interrupts.deliveries(0).device - before);
      }
      return seen;
    };
    const a = await run(42), b = await run(42), c = await run(43);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const total = a.reduce((x, y) => x + y, 0); // 1000 operations, mean gap 5
    expect(total).toBeGreaterThan(160);
    expect(total).toBeLessThan(240);
    expect(state(m, 0)).toEqual(TASK);
  });

  it("polling costs the counting build no op: an interrupt-enabled point with nothing pending counts nothing, and the syscall loop counts what its syscalls do", async () => {
    const m = await machine(1, { idle: false, build: "counting" });
    const tp = m.tracepoints.define("irq_sched_ops");
    const delta = async (cmd: string, args: number[]) => {
      const before = m.opCounts(0);
      await m.run(0, cmd, args);
      const after = m.opCounts(0);
      return Object.fromEntries(Object.keys(after).map((k) => [k, after[k as keyof typeof after] - before[k as keyof typeof before]]));
    };
    expect(Object.values(await delta("irq_poll_loop", [1000])).every((v) => v === 0)).toBe(true);
    const one = { ...(await delta("syscall_enter_v5_6", [tp.id, 0])) };
    const exit = await delta("syscall_exit_v5_6", [tp.id, 0]);
    for (const k of Object.keys(one)) one[k] += exit[k];
    const loop = await delta("syscall_loop_v5_6", [3, tp.id, 0]);
    for (const k of Object.keys(one)) expect(loop[k], k).toBe(3 * one[k]);
  });

  it("bad schedules are refused with what was expected", async () => {
    const m = await machine(2, { idle: false });
    const I = m.interrupts;
    expect(() => I.configure(2, { kind: "off" })).toThrow(/interrupts.configure: cpu must be an integer in 0..1; got 2/);
    expect(() => I.configure(0, { kind: "every", ops: 0 })).toThrow(/every.ops \(operations between interrupts\) must be an integer in 1\.\.4294967295; got 0/);
    expect(() => I.configure(0, { kind: "random", seed: -1, meanOps: 4 })).toThrow(/random.seed must be an integer in 0\.\.4294967295; got -1/);
    expect(() => I.configure(0, { kind: "tick", hz: 0.5 })).toThrow(/tick.hz \(ticks per second\) must be an integer in 1\.\.100000; got 0.5/);
    expect(() => I.configure(0, { kind: "bogus" } as never)).toThrow(/schedule.kind must be "off", "every", "random" or "tick"; got "bogus"/);
    expect(() => I.configure(0, { kind: "off" }, { entry: "v5.9" as never })).toThrow(/entry must be one of v5.6, x86-v5.6, x86-v5.8; got "v5.9"/);
    expect(() => I.sendIpi(-1)).toThrow(/interrupts.sendIpi: cpu must be an integer in 0..1; got -1/);
    expect(I.scheduleKind(0)).toBe("off");
  });
});

describe("IPIs and the tick", () => {
  it("an IPI to a CPU runs its handler: in task context, and from the idle loop (which it wakes)", async () => {
    const m = await machine(2, { idle: true });
    await until(() => state(m, 1).nesting === 0n, 10_000, "CPU 1 in its idle loop");
    const idle = state(m, 1);
    m.interrupts.sendIpi(1);
    await until(() => m.interrupts.deliveries(1).ipi === 1, 10_000, "the IPI to idle CPU 1");
    expect(m.interrupts.pending(1)).toBe(0);
    // taken from idle: rcu_irq_enter() left the EQS and rcu_irq_exit() re-entered it (+4), nothing else changed
    expect(state(m, 1)).toEqual({ ...idle, dynticks: idle.dynticks + 4 });
    const busy = await machine(1, { idle: false });
    busy.interrupts.sendIpi(0);
    await until(() => busy.interrupts.deliveries(0).ipi === 1, 10_000, "the IPI to CPU 0 in task context");
    expect(state(busy, 0)).toEqual(TASK);
    expect(noUsageErrors(m, 1) && noUsageErrors(busy, 0)).toBe(true);
  });

  it("the tick schedule delivers scheduling-clock interrupts to a running CPU, none to an idle one (NO_HZ)", async () => {
    const m = await machine(2, { idle: true });
    m.interrupts.configure(0, { kind: "tick", hz: 1000 });
    m.interrupts.configure(1, { kind: "tick", hz: 1000 });
    const t0 = Date.now();
    while (m.interrupts.deliveries(0).timer < 3 && Date.now() - t0 < 10_000) await m.run(0, "irq_poll_loop", [200_000]); // CPU 0 runs, interrupts on
    expect(m.interrupts.deliveries(1).timer).toBe(0); // CPU 1 stayed idle
    expect(m.interrupts.deliveries(0).timer).toBeGreaterThanOrEqual(3);
    m.interrupts.configure(0, { kind: "off" });
    expect(noUsageErrors(m, 0)).toBe(true);
  });
});

describe("expedited grace periods on IPIs (tree_exp.h)", () => {
  it("an idle CPU is not IPI'd: sync_rcu_exp_select_cpus() reports CPUs it sees in an EQS", async () => {
    const m = await machine(2, { idle: true });
    for (const cpu of [0, 1]) await until(() => state(m, cpu).nesting === 0n, 10_000, `CPU ${cpu} in its idle loop`);
    await m.rcu.synchronize({ expedited: true });
    expect(m.rcu.expStats).toEqual({ completed: 1, ipis: 0, notIpid: 2 });
    expect([m.interrupts.deliveries(0).ipi, m.interrupts.deliveries(1).ipi]).toEqual([0, 0]);
  });

  it("an expedited grace period ends only after every CPU not in an EQS answered its IPI with a quiescent state", async () => {
    const m = await machine(2, { idle: false }); // both CPUs stay in task context: no EQS
    const gp = m.rcu.synchronize({ expedited: true });
    await until(() => m.interrupts.deliveries(0).expHandler === 1 && m.interrupts.deliveries(1).expHandler === 1, 10_000, "rcu_exp_handler on both CPUs");
    // The handlers interrupted task context: no QS yet, only cpu_no_qs.b.exp (rcu_exp_need_qs()).
    expect(await settlesWithin(gp, 100)).toBe(false);
    expect(m.rcu.expWaitingFor()).toEqual([0, 1]);
    await m.run(0, "rcu_note_context_switch");
    await until(() => m.rcu.expWaitingFor().length === 1, 10_000, "CPU 0's report");
    expect(m.rcu.expWaitingFor()).toEqual([1]);
    expect(await settlesWithin(gp, 50)).toBe(false);
    await m.run(1, "rcu_note_context_switch");
    await gp;
    expect(m.rcu.expStats).toMatchObject({ completed: 1, ipis: 2 });
    for (const cpu of [0, 1]) expect(m.interrupts.deliveries(cpu)).toMatchObject({ ipi: 1, expHandler: 1, expReported: 1 });
    expect(state(m, 0)).toEqual(TASK);
  });

  /** Whether an expedited grace period ends while CPU 1 holds rcu_read_lock_sched(). */
  async function endsUnderReader(faults: ("exp-qs-in-reader" | "gp-skip-cpu")[]): Promise<boolean> {
    const m = await machine(2, { idle: true });
    m.setFaults(faults, 1);
    await m.run(1, "rcu_read_lock_sched");
    const gp = m.rcu.synchronize({ expedited: true });
    const early = await settlesWithin(gp, 300);
    if (!faults.includes("gp-skip-cpu")) expect(m.interrupts.deliveries(1).expHandler).toBe(1);
    await m.run(1, "rcu_read_unlock_sched");
    await gp; // the reader's CPU goes idle: its context switch reports the deferred QS
    return early;
  }

  it("never under a reader: rcu_exp_handler() in a read-side section defers its QS; broken variants (a QS reported in the reader, a CPU skipped) end it under the reader", async () => {
    expect(await endsUnderReader([])).toBe(false);
    expect(await endsUnderReader(["exp-qs-in-reader"])).toBe(true);
    expect(await endsUnderReader(["gp-skip-cpu"])).toBe(true);
  });

  it("the rcutorture oracle with an expedited writer: PASS; with rcu_exp_handler() reporting inside readers, FAIL (IPIs land in the readers' delays)", async () => {
    const run = async (fault?: "exp-qs-in-reader") => {
      const m = await machine(3, { idle: true });
      return runTorture(m, { flavor: "rcu", expedited: true, fault, seconds: 1.5, seed: 7 });
    };
    const good = await run();
    expect(good.verdict).toBe("PASS");
    expect(good.gracePeriods).toBeGreaterThan(10);
    const bad = await run("exp-qs-in-reader");
    expect(bad.verdict).toBe("FAIL");
    expect(bad.pipeErrors).toBeGreaterThan(0);
  });
});

