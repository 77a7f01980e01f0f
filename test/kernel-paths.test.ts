import { afterEach, describe, expect, it } from "vitest";
import { Machine, type FaultName } from "../dist/bindings/index.js";

// Kernel paths of issue 10, part 1: trace_hardirqs_off/on (kernel/trace/trace_preemptirq.c,
// v5.6 and v5.8) and a syscall from user mode in the v5.6 and v5.8 orders
// (assembly/kernel/entry_syscall.ts). Dynticks values in v5.6 arithmetic (test/rcu-dynticks.test.ts):
// +2 per EQS transition, bit 1 set = watching; DYNTICK_IRQ_NONIDLE in task context.
const N = 0x4000000000000000n;

let m: Machine | undefined;
afterEach(async () => {
  await m?.close();
  m = undefined;
});

type Order = "v5_6" | "v5_8";

async function machine(build: "release" | "counting" = "counting") {
  const mm = await Machine.create({ cpus: 1, idle: false, build });
  const tp = mm.tracepoints.define("irq_disable_enable");
  tp.register("count", 1); // one probe: the static key is on, the tracepoint runs
  return { mm, id: tp.id };
}

function state(mm: Machine) {
  const L = mm.layout;
  const dynticks = mm.readPerCpuU32(0, L.PCPU_RCU_DYNTICKS);
  return {
    dynticks,
    nesting: mm.readPerCpuI64(0, L.PCPU_RCU_NESTING),
    nmi: mm.readPerCpuI64(0, L.PCPU_RCU_NMI_NESTING),
    watching: (dynticks & 2) !== 0,
    preempt: mm.readPerCpuU32(0, L.PCPU_PREEMPT_COUNT),
    irqsOff: mm.readPerCpuU32(0, L.PCPU_IRQS_DISABLED),
    tracingIrq: mm.readPerCpuU32(0, L.PCPU_TRACING_IRQ_CPU),
  };
}

const probeCalls = (mm: Machine) => Number(mm.readPerCpuI64(0, mm.layout.PCPU_TP + mm.layout.TPS_COUNT));

/** Return to user mode before the first syscall: with nohz_full, rcu_user_enter() with interrupts off. */
async function toUser(mm: Machine, nohz: number) {
  if (!nohz) return;
  await mm.run(0, "local_irq_disable");
  await mm.run(0, "rcu_user_enter");
  await mm.run(0, "local_irq_enable");
}

/** Op counts of one command on CPU 0 (counting build). */
async function ops(mm: Machine, cmd: string, args: number[]) {
  const before = mm.opCounts(0);
  await mm.run(0, cmd, args);
  const after = mm.opCounts(0);
  const out: Record<string, number> = {};
  for (const k of Object.keys(after) as (keyof typeof after)[]) out[k] = after[k] - before[k];
  return out;
}

describe("syscall entry/exit from user mode (v5.6 order, v5.8 noinstr order)", () => {
  // [order, nohz_full, state after entry, state after exit]: dynticks from user mode at 4
  // (nohz_full: after rcu_user_enter) or 2 (RCU watching user mode).
  const cases: [Order, number, object, object][] = [
    // v5.6 nohz_full: rcuidle trace_hardirqs_off from the EQS (rcu_irq_enter/exit_irqson: 6, 8),
    // user_exit_irqoff (10); exit: user_enter_irqoff (12), rcuidle TRACE_IRQS_IRETQ from the EQS (14, 16).
    ["v5_6", 1, { dynticks: 10, nesting: 1n, nmi: N, watching: true }, { dynticks: 16, nesting: 0n, nmi: 0n, watching: false }],
    // v5.8 nohz_full: user_exit_irqoff first (6), the tracepoints run with RCU watching; exit: user_enter_irqoff (8).
    ["v5_8", 1, { dynticks: 6, nesting: 1n, nmi: N, watching: true }, { dynticks: 8, nesting: 0n, nmi: 0n, watching: false }],
    ["v5_6", 0, { dynticks: 2, nesting: 1n, nmi: N, watching: true }, { dynticks: 2, nesting: 1n, nmi: N, watching: true }],
    ["v5_8", 0, { dynticks: 2, nesting: 1n, nmi: N, watching: true }, { dynticks: 2, nesting: 1n, nmi: N, watching: true }],
  ];
  for (const [order, nohz, afterEntry, afterExit] of cases) {
    it(`${order}, nohz_full=${nohz}: dynticks after each step are the kernel's; the syscall leaves preempt count, irq state, tracing_irq_cpu and the nesting counters as it found them`, async () => {
      const { mm, id } = await machine("release");
      m = mm;
      await toUser(mm, nohz);
      const user = state(mm);
      expect(user).toMatchObject({ preempt: 0x80000000, irqsOff: 0, tracingIrq: 0 });
      await mm.run(0, `syscall_enter_${order}`, [id, nohz]);
      expect(state(mm)).toEqual({ ...user, ...afterEntry });
      await mm.run(0, `syscall_exit_${order}`, [id, nohz]);
      expect(state(mm)).toEqual({ ...user, ...afterExit });
      const second = state(mm);
      await mm.run(0, `syscall_loop_${order}`, [3, id, nohz]);
      expect({ ...state(mm), dynticks: 0 }).toEqual({ ...second, dynticks: 0 });
      expect(state(mm).dynticks - second.dynticks).toBe(3 * (afterExit as { dynticks: number }).dynticks - 3 * user.dynticks);
      expect(probeCalls(mm)).toBe(4 * 4); // irq_disable and irq_enable on entry and on exit, per syscall
      expect(Object.values(mm.usageErrors(0)).every((v) => v === 0)).toBe(true);
    });
  }

  it("from a nohz_full user mode, v5.6 runs the rcuidle tracepoint with RCU not watching (SRCU + rcu_irq_enter_irqson), v5.8 the plain one with RCU watching (op counts)", async () => {
    const { mm, id } = await machine();
    m = mm;
    // A atomic RMW, M smp_mb, Q irq save, C out-of-line call, I indirect call (probe)
    const vec = (o: Record<string, number>) => `A${o.atomic_rmw} M${o.smp_mb} Q${o.irq_save} C${o.call} I${o.indirect_call}`;
    const got: Record<string, string> = {};
    for (const nohz of [1, 0]) {
      for (const order of ["v5_6", "v5_8"] as Order[]) {
        await toUser(mm, nohz);
        got[`${order} nohz_full=${nohz} entry`] = vec(await ops(mm, `syscall_enter_${order}`, [id, nohz]));
        await mm.run(0, `syscall_exit_${order}`, [id, nohz]);
        if (nohz) {
          await mm.run(0, "local_irq_disable");
          await mm.run(0, "rcu_user_exit"); // back to task context for the next case
          await mm.run(0, "local_irq_enable");
        }
      }
    }
    // Entry = SYSCALL .. local_irq_enable(). v5.6 nohz_full: trace_hardirqs_off's rcuidle
    // tracepoint leaves and re-enters the EQS (2 atomic RMWs, 2 irq saves), then
    // rcu_user_exit (1); both tracepoints run SRCU (2 smp_mb each). v5.8: only rcu_user_exit's
    // atomic, trace_hardirqs_off_finish is the plain tracepoint (no smp_mb, no irq save); the
    // trace_hardirqs_on of local_irq_enable() is rcuidle in both, with RCU watching.
    // Out-of-line calls: trace_hardirqs_off/on, lockdep_hardirqs_*, the rcuidle tracepoint's
    // six (the rcuidle-srcu-irq row of test/strategies.test.ts), rcu_user_exit.
    expect(got).toEqual({
      "v5_6 nohz_full=1 entry": "A3 M4 Q4 C17 I2",
      "v5_8 nohz_full=1 entry": "A1 M2 Q2 C12 I2",
      "v5_6 nohz_full=0 entry": "A0 M4 Q4 C16 I2",
      "v5_8 nohz_full=0 entry": "A0 M2 Q2 C11 I2",
    });
    expect(Object.values(mm.usageErrors(0)).every((v) => v === 0)).toBe(true);
  });

  /** Usage errors "not-watching" from one v5.6/v5.8 syscall from a nohz_full user mode. */
  async function notWatching(order: Order, faults: FaultName[]) {
    const { mm, id } = await machine("release");
    m = mm;
    mm.setFaults(faults);
    await toUser(mm, 1);
    await mm.run(0, `syscall_enter_${order}`, [id, 1]);
    await mm.run(0, `syscall_exit_${order}`, [id, 1]);
    const n = mm.usageErrors(0)["not-watching"];
    await mm.close();
    m = undefined;
    return n;
  }

  it("no tracepoint runs where RCU is not watching: a v5.6 entry that calls the plain tracepoint before enter_from_user_mode() is caught (lockdep's rcu_dereference_sched check)", async () => {
    expect(await notWatching("v5_6", [])).toBe(0);
    expect(await notWatching("v5_8", [])).toBe(0);
    // broken variant: TRACE_IRQS_OFF with the plain trace_irq_disable() while user mode is an EQS
    expect(await notWatching("v5_6", ["entry-plain-tracepoint"])).toBe(1);
  });
});

describe("trace_hardirqs_off/on and the per-CPU tracing_irq_cpu guard (trace_preemptirq.c)", () => {
  /** Ops of a second trace_hardirqs_off after the first, with interrupts already off. */
  async function secondOff(cmd: string, faults: FaultName[]) {
    const { mm, id } = await machine();
    m = mm;
    mm.setFaults(faults);
    await mm.run(0, "local_irq_disable");
    const first = await ops(mm, cmd, [id]);
    const second = await ops(mm, cmd, [id]);
    const calls = probeCalls(mm);
    await mm.run(0, cmd.includes("finish") ? "trace_hardirqs_on_prepare" : cmd.replace("off", "on"), [id]);
    await mm.run(0, "local_irq_enable");
    const end = state(mm);
    await mm.close();
    m = undefined;
    return { first, second, calls, end };
  }

  for (const cmd of ["trace_hardirqs_off_v5_6", "trace_hardirqs_off_v5_8", "trace_hardirqs_off_finish"]) {
    it(`${cmd}: the second call (interrupts already traced off) is cheap: a load and a branch of tracing_irq_cpu, no tracepoint`, async () => {
      const { first, second, calls, end } = await secondOff(cmd, []);
      expect(calls).toBe(1);
      expect(first.indirect_call).toBe(1);
      const lockdep = cmd.includes("finish") ? 0 : 1;
      expect(second).toMatchObject({ indirect_call: 0, smp_mb: 0, atomic_rmw: 0, irq_save: 0, this_cpu_rmw: 0, call: 1 + lockdep, branch: 1 });
      expect(end).toMatchObject({ tracingIrq: 0, irqsOff: 0, preempt: 0x80000000, nesting: 1n, nmi: N });
      // broken variant: without the guard the second call runs the tracepoint again
      const broken = await secondOff(cmd, ["trace-irq-no-guard"]);
      expect(broken.calls).toBe(2);
      expect(broken.second.indirect_call).toBe(1);
    });
  }

  it("trace_hardirqs_on without a preceding traced off does not run the tracepoint; in an NMI the tracepoint is skipped (`if (!in_nmi())`) but the guard still flips", async () => {
    const { mm, id } = await machine();
    m = mm;
    await mm.run(0, "trace_hardirqs_on_v5_6", [id]);
    expect(probeCalls(mm)).toBe(0);
    await mm.run(0, "local_irq_disable");
    await mm.run(0, "nmi_enter");
    await mm.run(0, "trace_hardirqs_off_v5_6", [id]);
    expect(probeCalls(mm)).toBe(0);
    expect(state(mm).tracingIrq).toBe(1);
    await mm.run(0, "trace_hardirqs_on_v5_6", [id]);
    await mm.run(0, "nmi_exit");
    await mm.run(0, "local_irq_enable");
    expect(probeCalls(mm)).toBe(0);
    expect(state(mm)).toMatchObject({ tracingIrq: 0, irqsOff: 0, preempt: 0x80000000, dynticks: 2, nesting: 1n, nmi: N });
    expect(Object.values(mm.usageErrors(0)).every((v) => v === 0)).toBe(true);
  });
});
