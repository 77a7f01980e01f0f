import { describe, expect, it } from "vitest";
import type { Machine } from "../dist/bindings/index.js";
import { settlesWithin, until, useMachines } from "./helpers.js";

// Fidelity to v5.6 (kernel/rcu/tree.c, tree_plugin.h, rcu.h, kernel/sched/core.c,
// include/linux/hardirq.h): each test fails on the behaviour it replaced, and where a
// fault bit keeps the old behaviour as a broken variant, a test shows that variant fails.

const machine = useMachines({ deadlineMs: 20_000 });

/** smp_mb() ops of one command on CPU `cpu` of a counting-build machine. */
async function mbOf(m: Machine, cpu: number, command: string, args: number[] = []): Promise<number> {
  const before = m.opCounts(cpu).smp_mb;
  await m.run(cpu, command, args);
  return m.opCounts(cpu).smp_mb - before;
}

describe("rcu_seq_snap() carries its own smp_mb() (kernel/rcu/rcu.h, v5.6)", () => {
  it("call_rcu() and call_srcu() execute the snapshot's barrier; synchronize_rcu() does not execute it twice", async () => {
    const m = await machine(1, { build: "counting" });
    const cb = m.functionIndex("cb_shared_inc");
    m.writeSharedWord(6, 0);
    // call_rcu: the barrier before the snapshot (prior accesses) and rcu_seq_snap()'s own.
    expect(await mbOf(m, 0, "call_rcu", [cb, 6])).toBe(2);
    // call_srcu on tracepoint_srcu (index 0): the same two.
    expect(await mbOf(m, 0, "call_srcu", [0, cb, 6])).toBe(2);
    await until(() => m.readSharedWord(6) === 2, 10_000, "both callbacks");
    // synchronize_rcu: the barrier before the snapshot, rcu_seq_snap()'s own, and the one
    // after rcu_seq_done() (the caller's later accesses after the grace period): three,
    // as before the barrier moved back into rcu_seq_snap().
    expect(await mbOf(m, 0, "synchronize_rcu")).toBe(3);
  });
});

/**
 * Start a grace period from the host and wait until the kthread has begun it. The
 * promise comes back in an object: an async function would adopt it and wait for it.
 */
async function startGp(m: Machine): Promise<{ gp: Promise<void> }> {
  const gp = m.rcu.synchronize();
  await until(() => (m.rcu.gpSeq & 3) !== 0, 5000, "the grace period to start");
  return { gp };
}

describe("scheduling points check the whole preempt count and the irq flag (kernel/sched/core.c schedule_debug, v5.6)", () => {
  it("rcu_note_context_switch in a hard irq or with irqs off is 'scheduling while atomic': refused, and the grace period waits", async () => {
    const m = await machine(1, { idle: false }); // CPU 0 stays in task context: only its report ends a GP
    await m.run(0, "irq_enter"); // a hardirq handler is an RCU-sched reader
    const { gp } = await startGp(m);
    expect((await m.run(0, "rcu_note_context_switch")).value).toBe(0);
    expect(m.usageErrors(0)["sched-in-atomic"]).toBe(1);
    expect(await settlesWithin(gp, 150)).toBe(false);
    await m.run(0, "irq_exit");
    await m.run(0, "local_irq_disable"); // an irqs-off region is an RCU-sched reader too
    expect((await m.run(0, "rcu_note_context_switch")).value).toBe(0);
    expect(m.usageErrors(0)["sched-in-atomic"]).toBe(2);
    expect(await settlesWithin(gp, 100)).toBe(false);
    await m.run(0, "local_irq_enable");
    expect((await m.run(0, "rcu_note_context_switch")).value).toBe(1); // legal: the quiescent state
    await gp;
  });

  it("broken variant sched-preempt-mask-only (the old check): a context switch inside a hard irq ends the grace period", async () => {
    const m = await machine(1, { idle: false });
    m.setFaults(["sched-preempt-mask-only"]);
    await m.run(0, "irq_enter");
    const { gp } = await startGp(m);
    expect((await m.run(0, "rcu_note_context_switch")).value).toBe(1);
    expect(await settlesWithin(gp, 10_000)).toBe(true); // too short: the irq's reader is still running
    expect(m.usageErrors(0)["sched-in-atomic"]).toBe(0);
    await m.run(0, "irq_exit");
  });
});

describe("rcu_qs() is internal: a quiescent state comes only from a checked scheduling point or tick", () => {
  it("rcu_qs is not a command, so a CPU inside rcu_read_lock_sched() cannot end the grace period with it", async () => {
    const m = await machine(1, { idle: false });
    await m.run(0, "rcu_read_lock_sched");
    const { gp } = await startGp(m);
    await expect(async () => m.run(0, "rcu_qs")).rejects.toThrow(/unknown command 'rcu_qs'/);
    expect((await m.run(0, "rcu_note_context_switch")).value).toBe(0); // the checked way: refused in the reader
    expect(await settlesWithin(gp, 150)).toBe(false);
    await m.run(0, "rcu_read_unlock_sched");
    expect((await m.run(0, "rcu_note_context_switch")).value).toBe(1);
    await gp;
  });
});

describe("scheduler_tick derives user_mode(regs) from the CPU (kernel/time/tick-sched.c tick_sched_handle, v5.6)", () => {
  it("a tick in kernel mode does not count as one from user mode, whatever its argument claims", async () => {
    const m = await machine(1, { idle: false });
    await m.run(0, "rcu_read_lock_sched");
    const { gp } = await startGp(m);
    expect((await m.run(0, "scheduler_tick", [1])).value).toBe(0); // the argument is ignored
    expect(await settlesWithin(gp, 150)).toBe(false);
    await m.run(0, "rcu_read_unlock_sched");
    expect((await m.run(0, "rcu_note_context_switch")).value).toBe(1);
    await gp;
  });

  it("broken variant tick-trusts-user (the old behaviour): a tick claiming user mode ends the grace period under a reader", async () => {
    const m = await machine(1, { idle: false });
    m.setFaults(["tick-trusts-user"]);
    await m.run(0, "rcu_read_lock_sched");
    const { gp } = await startGp(m);
    expect((await m.run(0, "scheduler_tick", [1])).value).toBe(1);
    expect(await settlesWithin(gp, 10_000)).toBe(true); // too short: the reader is still in its section
    await m.run(0, "rcu_read_unlock_sched");
  });

  it("the tick interrupts user mode only when the CPU was in user mode as it arrived: not when nested in an irq taken from user mode", async () => {
    const m = await machine(1, { idle: false });
    await m.run(0, "local_irq_disable");
    await m.run(0, "rcu_user_enter"); // return to user space (NO_HZ_FULL)
    await m.run(0, "irq_enter"); // an interrupt from user mode ...
    await m.run(0, "local_irq_enable"); // ... whose handler lets a nested interrupt in
    expect((await m.run(0, "scheduler_tick", [1])).value).toBe(0); // interrupts the handler: kernel mode, not the first level
    await m.run(0, "local_irq_disable");
    await m.run(0, "irq_exit"); // back to user mode
    expect((await m.run(0, "scheduler_tick", [0])).value).toBe(1); // interrupts user mode
    await m.run(0, "local_irq_disable");
    await m.run(0, "rcu_user_exit");
    await m.run(0, "local_irq_enable");
    expect((await m.run(0, "scheduler_tick", [1])).value).toBe(0); // back in the kernel
    expect(Object.values(m.usageErrors(0)).every((v) => v === 0)).toBe(true);
  });
});

const N = 0x4000000000000000n; // DYNTICK_IRQ_NONIDLE

describe("NMIs do not nest in v5.6 (include/linux/hardirq.h: BUG_ON(in_nmi()) in nmi_enter)", () => {
  const preemptCount = (m: Machine) => m.readPerCpuU32(0, m.layout.PCPU_PREEMPT_COUNT) & 0x7fffffff;
  const nmiNesting = (m: Machine) => m.readPerCpuI64(0, m.layout.PCPU_RCU_NMI_NESTING);

  it("a nested nmi_enter() is refused as a usage error and leaves the state unchanged: in_nmi() stays true", async () => {
    const m = await machine(1, { idle: false });
    await m.run(0, "nmi_enter");
    expect(preemptCount(m)).toBe(0x110000); // NMI_OFFSET + HARDIRQ_OFFSET
    expect(nmiNesting(m)).toBe(N + 2n);
    await m.run(0, "nmi_enter"); // BUG_ON(in_nmi())
    expect(m.usageErrors(0)["nmi-nesting"]).toBe(1);
    expect(preemptCount(m)).toBe(0x110000); // not 0x220000
    expect(nmiNesting(m)).toBe(N + 2n);
    const idx = (await m.run(0, "srcu_read_lock", [0])).value; // still seen as NMI context
    await m.run(0, "srcu_read_unlock", [0, idx]);
    expect(m.usageErrors(0)["srcu-in-nmi"]).toBe(1);
    await m.run(0, "nmi_exit");
    expect(preemptCount(m)).toBe(0);
    expect(nmiNesting(m)).toBe(N);
    await m.run(0, "nmi_exit"); // BUG_ON(!in_nmi()): the exit of the refused entry
    expect(m.usageErrors(0)["nmi-nesting"]).toBe(2);
    expect(preemptCount(m)).toBe(0);
    expect(nmiNesting(m)).toBe(N);
    expect(m.usageErrors(0)["irq-exit-without-enter"]).toBe(0);
  });

  it("broken variant nmi-nest-unchecked (the old behaviour): the NMI bits overflow to 0x220000 and in_nmi() turns false", async () => {
    const m = await machine(1, { idle: false });
    m.setFaults(["nmi-nest-unchecked"]);
    await m.run(0, "nmi_enter");
    await m.run(0, "nmi_enter");
    expect(preemptCount(m)).toBe(0x220000);
    const idx = (await m.run(0, "srcu_read_lock", [0])).value;
    await m.run(0, "srcu_read_unlock", [0, idx]);
    expect(m.usageErrors(0)["srcu-in-nmi"]).toBe(0); // an SRCU reader in an NMI goes unnoticed
    expect(m.usageErrors(0)["nmi-nesting"]).toBe(0);
    await m.run(0, "nmi_exit");
    await m.run(0, "nmi_exit");
    expect(preemptCount(m)).toBe(0);
  });
});

describe("the WARNs of kernel/rcu/tree.c (v5.6) are counted; the dynticks arithmetic is unchanged", () => {
  function state(m: Machine) {
    const L = m.layout;
    const dynticks = m.readPerCpuU32(0, L.PCPU_RCU_DYNTICKS);
    return { dynticks, nesting: m.readPerCpuI64(0, L.PCPU_RCU_NESTING), nmi: m.readPerCpuI64(0, L.PCPU_RCU_NMI_NESTING), watching: (dynticks & 2) !== 0 };
  }

  it("rcu_eqs_exit: WARN_ON_ONCE(dynticks_nmi_nesting) when idle is left from inside an irq (eqs-exit), then the kernel's crowbar", async () => {
    const m = await machine(1, { idle: false });
    await m.run(0, "local_irq_disable");
    await m.run(0, "rcu_idle_enter");
    await m.run(0, "rcu_irq_enter");
    expect(state(m)).toEqual({ dynticks: 6, nesting: 0n, nmi: 1n, watching: true });
    await m.run(0, "rcu_idle_exit"); // inside the irq: nmi_nesting is 1
    expect(m.usageErrors(0)["eqs-exit"]).toBe(1);
    // v5.6 arithmetic, warts and all: rcu_dynticks_eqs_exit() adds 2 although RCU was
    // already watching, and dynticks_nmi_nesting is crowbarred to DYNTICK_IRQ_NONIDLE.
    expect(state(m)).toEqual({ dynticks: 8, nesting: 1n, nmi: N, watching: false });
    expect(m.usageErrors(0)["irqs-enabled"]).toBe(0); // rcu_idle_exit() disables irqs itself
  });

  it("lockdep_assert_irqs_disabled() in rcu_irq_enter, rcu_irq_exit, rcu_eqs_exit (rcu_user_exit) and rcu_idle_enter: irqs-enabled", async () => {
    const m = await machine(1, { idle: false }); // interrupts on after boot
    await m.run(0, "rcu_irq_enter");
    expect(m.usageErrors(0)["irqs-enabled"]).toBe(1);
    expect(state(m)).toEqual({ dynticks: 2, nesting: 1n, nmi: N + 2n, watching: true });
    await m.run(0, "rcu_irq_exit");
    expect(m.usageErrors(0)["irqs-enabled"]).toBe(2);
    expect(state(m)).toEqual({ dynticks: 2, nesting: 1n, nmi: N, watching: true });
    await m.run(0, "rcu_irq_enter_irqson"); // the _irqson wrappers disable interrupts: legal
    await m.run(0, "rcu_irq_exit_irqson");
    expect(m.usageErrors(0)["irqs-enabled"]).toBe(2);
    await m.run(0, "local_irq_disable");
    await m.run(0, "rcu_user_enter");
    await m.run(0, "local_irq_enable");
    await m.run(0, "rcu_user_exit"); // rcu_eqs_exit() with interrupts on
    expect(m.usageErrors(0)["irqs-enabled"]).toBe(3);
    expect(state(m)).toEqual({ dynticks: 6, nesting: 1n, nmi: N, watching: true });
    await m.run(0, "rcu_idle_enter");
    expect(m.usageErrors(0)["irqs-enabled"]).toBe(4);
    expect(state(m)).toEqual({ dynticks: 8, nesting: 0n, nmi: 0n, watching: false });
    await m.run(0, "rcu_idle_exit");
    expect(m.usageErrors(0)["irqs-enabled"]).toBe(4);
    expect(m.usageErrors(0)["eqs-enter"] + m.usageErrors(0)["eqs-exit"]).toBe(0);
  });

  it("rcu_is_cpu_rrupt_from_idle: the nmi_nesting <= 0 and nesting < 0 underflow checks (dynticks-underflow)", async () => {
    const m = await machine(1, { idle: false });
    await m.run(0, "local_irq_disable");
    await m.run(0, "rcu_idle_enter");
    expect((await m.run(0, "rcu_is_cpu_rrupt_from_idle")).value).toBe(0); // outside any interrupt: nmi_nesting 0
    expect(m.usageErrors(0)["dynticks-underflow"]).toBe(1);
    await m.run(0, "rcu_irq_enter");
    expect((await m.run(0, "rcu_is_cpu_rrupt_from_idle")).value).toBe(1); // a first-level irq from idle: fine
    expect(m.usageErrors(0)["dynticks-underflow"]).toBe(1);
    await m.run(0, "rcu_irq_exit");
    await m.run(0, "rcu_idle_enter"); // a second idle entry: nesting 0 -> -1 (rcu_eqs_enter's WARN)
    expect(m.usageErrors(0)["eqs-enter"]).toBe(1);
    await m.run(0, "rcu_irq_enter");
    expect(state(m)).toEqual({ dynticks: 10, nesting: -1n, nmi: 1n, watching: true });
    expect((await m.run(0, "rcu_is_cpu_rrupt_from_idle")).value).toBe(0);
    expect(m.usageErrors(0)["dynticks-underflow"]).toBe(2); // dynticks_nesting < 0
  });
});
