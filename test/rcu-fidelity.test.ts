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
