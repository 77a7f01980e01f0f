import { afterEach, describe, expect, it } from "vitest";
import { Machine } from "../dist/bindings/index.js";

// Expected values follow kernel/rcu/tree.c (v5.6) arithmetic: dynticks += 2 per EQS
// transition (bit 1 set = watching), dynticks_nesting 1 in task context, 0 in an EQS;
// dynticks_nmi_nesting DYNTICK_IRQ_NONIDLE in task context, +1 for an irq/NMI taken from
// an EQS, +2 otherwise.
const N = 0x4000000000000000n; // DYNTICK_IRQ_NONIDLE = LONG_MAX / 2 + 1

let m: Machine | undefined;
afterEach(async () => {
  await m?.close();
  m = undefined;
});

function state(mm: Machine, cpu = 0) {
  const L = mm.layout;
  const dynticks = mm.readPerCpuU32(cpu, L.PCPU_RCU_DYNTICKS);
  return {
    dynticks,
    nesting: mm.readPerCpuI64(cpu, L.PCPU_RCU_NESTING),
    nmi: mm.readPerCpuI64(cpu, L.PCPU_RCU_NMI_NESTING),
    watching: (dynticks & 2) !== 0,
  };
}

describe("dynticks counter arithmetic (kernel/rcu/tree.c, v5.6)", () => {
  it("follows the kernel's values through idle, irq, NMI-in-irq-in-idle, task irqs, and user mode", async () => {
    m = await Machine.create({ cpus: 1, idle: false });
    const steps: [string, number[], { dynticks: number; nesting: bigint; nmi: bigint; watching: boolean }][] = [
      ["local_irq_disable", [], { dynticks: 2, nesting: 1n, nmi: N, watching: true }],
      ["rcu_idle_enter", [], { dynticks: 4, nesting: 0n, nmi: 0n, watching: false }],
      ["rcu_irq_enter", [], { dynticks: 6, nesting: 0n, nmi: 1n, watching: true }],
      ["rcu_nmi_enter", [], { dynticks: 6, nesting: 0n, nmi: 3n, watching: true }],
      ["rcu_nmi_exit", [], { dynticks: 6, nesting: 0n, nmi: 1n, watching: true }],
      ["rcu_irq_exit", [], { dynticks: 8, nesting: 0n, nmi: 0n, watching: false }],
      ["rcu_nmi_enter", [], { dynticks: 10, nesting: 0n, nmi: 1n, watching: true }],
      ["rcu_nmi_exit", [], { dynticks: 12, nesting: 0n, nmi: 0n, watching: false }],
      ["rcu_idle_exit", [], { dynticks: 14, nesting: 1n, nmi: N, watching: true }],
      ["rcu_irq_enter", [], { dynticks: 14, nesting: 1n, nmi: N + 2n, watching: true }],
      ["rcu_nmi_enter", [], { dynticks: 14, nesting: 1n, nmi: N + 4n, watching: true }],
      ["rcu_nmi_exit", [], { dynticks: 14, nesting: 1n, nmi: N + 2n, watching: true }],
      ["rcu_irq_exit", [], { dynticks: 14, nesting: 1n, nmi: N, watching: true }],
      ["rcu_user_enter", [], { dynticks: 16, nesting: 0n, nmi: 0n, watching: false }],
      ["rcu_irq_enter", [], { dynticks: 18, nesting: 0n, nmi: 1n, watching: true }],
      ["rcu_irq_exit", [], { dynticks: 20, nesting: 0n, nmi: 0n, watching: false }],
      ["rcu_user_exit", [], { dynticks: 22, nesting: 1n, nmi: N, watching: true }],
      ["local_irq_enable", [], { dynticks: 22, nesting: 1n, nmi: N, watching: true }],
    ];
    expect(state(m)).toEqual({ dynticks: 2, nesting: 1n, nmi: N, watching: true }); // boot values
    for (const [cmd, args, want] of steps) {
      await m.run(0, cmd, args);
      expect({ after: cmd, ...state(m) }).toEqual({ after: cmd, ...want });
      expect({ after: cmd, rcu_is_watching: (await m.run(0, "rcu_is_watching")).value }).toEqual({ after: cmd, rcu_is_watching: want.watching ? 1 : 0 });
    }
    expect(Object.values(m.usageErrors(0)).every((v) => v === 0)).toBe(true);
  });

  it("keeps the nesting counters 64-bit: DYNTICK_IRQ_NONIDLE's low 32 bits are zero, yet task context watches", async () => {
    m = await Machine.create({ cpus: 1, idle: false });
    expect(N & 0xffffffffn).toBe(0n);
    expect(state(m).nmi).toBe(N);
    // rcu_is_cpu_rrupt_from_idle() in an irq from task context: nmi_nesting N+2, not 1.
    await m.run(0, "local_irq_disable");
    await m.run(0, "rcu_irq_enter");
    expect((await m.run(0, "rcu_is_cpu_rrupt_from_idle")).value).toBe(0);
    await m.run(0, "rcu_irq_exit");
    await m.run(0, "rcu_idle_enter");
    await m.run(0, "rcu_irq_enter");
    expect((await m.run(0, "rcu_is_cpu_rrupt_from_idle")).value).toBe(1);
    await m.run(0, "rcu_nmi_enter");
    expect((await m.run(0, "rcu_is_cpu_rrupt_from_idle")).value).toBe(0); // nested: not the first level
  });

  it("counts usage errors and refuses what would corrupt the state: irq exit without enter, idle entry from an irq", async () => {
    m = await Machine.create({ cpus: 1, idle: false });
    await m.run(0, "local_irq_disable");
    await m.run(0, "rcu_idle_enter");
    await m.run(0, "rcu_irq_exit"); // nmi_nesting is 0: nothing to exit
    expect(m.usageErrors(0)["irq-exit-without-enter"]).toBe(1);
    expect(state(m)).toEqual({ dynticks: 4, nesting: 0n, nmi: 0n, watching: false });
    await m.run(0, "rcu_idle_exit");
    await m.run(0, "irq_enter");
    await m.run(0, "rcu_idle_enter"); // from a hard irq
    expect(m.usageErrors(0)["eqs-enter"]).toBe(1);
    expect(state(m).watching).toBe(true);
    await m.run(0, "irq_exit");
    expect(state(m)).toEqual({ dynticks: 6, nesting: 1n, nmi: N, watching: true });
    await m.run(0, "rcu_read_unlock_sched"); // no lock held
    expect(m.usageErrors(0)["unbalanced-unlock"]).toBe(1);
  });

  it("between commands an idle CPU is in an extended quiescent state; a CPU holding a reader stays in task context", async () => {
    m = await Machine.create({ cpus: 1 }); // idle loop on
    await m.run(0, "bench_smp_mb", [1]);
    await new Promise((r) => setTimeout(r, 20));
    expect(state(m).watching).toBe(false);
    await m.run(0, "rcu_read_lock_sched");
    await new Promise((r) => setTimeout(r, 20));
    expect(state(m).watching).toBe(true); // preempt_count != 0: the CPU cannot go idle
    await m.run(0, "rcu_read_unlock_sched");
  });
});
