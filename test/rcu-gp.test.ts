import { describe, expect, it } from "vitest";
import { CpuError, DeadlineError, type Machine } from "../dist/bindings/index.js";
import { settlesWithin, until, useMachines } from "./helpers.js";

const machine = useMachines({ deadlineMs: 20_000 });
const create = (cpus: number, idle = true) => machine(cpus, { idle });

/** CPU `cpu` of `m` goes idle, takes an interrupt (rcu_irq_enter) and starts an RCU reader in it. */
async function readerInIrqFromIdle(m: Machine, cpu: number): Promise<void> {
  await m.run(cpu, "idle_loop_enter");
  await m.run(cpu, "irq_enter");
  await m.run(cpu, "rcu_read_lock_sched");
}

async function endReaderInIrqFromIdle(m: Machine, cpu: number): Promise<void> {
  await m.run(cpu, "rcu_read_unlock_sched");
  await m.run(cpu, "irq_exit");
  await m.run(cpu, "idle_loop_exit");
}

describe("tree RCU grace periods", () => {
  it("a grace period does not wait for CPUs that stay idle", async () => {
    const m = await create(2);
    const before = m.rcu.gpSeq;
    await m.rcu.synchronize();
    await m.rcu.synchronize();
    expect(m.rcu.gpSeq - before).toBeGreaterThanOrEqual(8); // two full grace periods
    expect(m.rcu.gpSeq & 3).toBe(0);
  });

  it("a grace period waits for a reader that entered from idle through rcu_irq_enter", async () => {
    const m = await create(2);
    await readerInIrqFromIdle(m, 0);
    const gp = m.rcu.synchronize();
    expect(await settlesWithin(gp, 150)).toBe(false);
    expect(m.rcu.waitingFor()).toEqual([0]);
    await endReaderInIrqFromIdle(m, 0);
    await gp;
  });

  it("broken variant gp-ignore-nesting (EQS judged by dynticks_nesting == 0): the grace period ends under that reader", async () => {
    const m = await create(2);
    m.setFaults(["gp-ignore-nesting"]);
    await readerInIrqFromIdle(m, 0);
    expect(await settlesWithin(m.rcu.synchronize(), 10_000)).toBe(true);
    await endReaderInIrqFromIdle(m, 0);
  });

  it("broken variant gp-skip-cpu: the engine does not wait for CPU 1's reader", async () => {
    const m = await create(2);
    m.setFaults(["gp-skip-cpu"], 1);
    await m.run(1, "rcu_read_lock_sched");
    expect(await settlesWithin(m.rcu.synchronize(), 10_000)).toBe(true);
    await m.run(1, "rcu_read_unlock_sched");
  });

  it("a quiescent state reported for an earlier gp_seq does not end the current one", async () => {
    const m = await create(2);
    await m.run(0, "rcu_read_lock_sched");
    const gp = m.rcu.synchronize();
    await until(() => (m.rcu.gpSeq & 3) !== 0, 5000, "the grace period to start");
    await m.run(0, "rcu_report_qs_for", [(m.rcu.gpSeq - 4) >>> 0]); // a report delayed from the previous grace period
    expect(await settlesWithin(gp, 150)).toBe(false);
    await m.run(0, "rcu_read_unlock_sched");
    await gp;
  });

  it("broken variant gp-accept-stale: the same stale report ends the grace period", async () => {
    const m = await create(2);
    m.setFaults(["gp-accept-stale"]);
    await m.run(0, "rcu_read_lock_sched");
    const gp = m.rcu.synchronize();
    await until(() => (m.rcu.gpSeq & 3) !== 0, 5000, "the grace period to start");
    await m.run(0, "rcu_report_qs_for", [(m.rcu.gpSeq - 4) >>> 0]);
    expect(await settlesWithin(gp, 10_000)).toBe(true);
    await m.run(0, "rcu_read_unlock_sched");
  });

  it("a tick that interrupts idle or user mode reports a quiescent state; one that interrupts a reader does not", async () => {
    const m = await create(2, false); // CPUs stay in task context between commands
    const L = m.layout;
    const report = () => m.readPerCpuU32(0, L.PCPU_RCU_QS_REPORT);
    // CPU 1 stays in task context and holds each grace period open until CPU 0's tick has
    // reported: once CPU 0 is in user mode or idle, the engine may also credit it through
    // dynticks, and without CPU 1 the grace period could end before the tick's report.
    await m.run(0, "rcu_read_lock_sched");
    const gp = m.rcu.synchronize();
    await until(() => (m.rcu.gpSeq & 3) !== 0, 5000, "the grace period to start");
    const cur = m.rcu.gpSeq;
    expect((await m.run(0, "scheduler_tick", [0])).value).toBe(0); // interrupts the read-side section
    expect(report()).not.toBe(cur);
    await m.run(0, "rcu_read_unlock_sched");
    expect((await m.run(0, "scheduler_tick", [0])).value).toBe(0); // task context, not user: still no QS
    expect(report()).not.toBe(cur);
    expect(await settlesWithin(gp, 100)).toBe(false);
    // user_mode(regs) is derived from the CPU's state, no longer taken from the argument:
    // return to user space first (NO_HZ_FULL: rcu_user_enter, with interrupts off).
    await m.run(0, "local_irq_disable");
    await m.run(0, "rcu_user_enter");
    expect((await m.run(0, "scheduler_tick", [1])).value).toBe(1); // the tick interrupted user mode
    expect(report()).toBe(cur);
    await m.run(1, "rcu_note_context_switch"); // CPU 1 lets the grace period end
    await gp;
    await m.run(0, "local_irq_disable"); // the tick's iret turned interrupts on
    await m.run(0, "rcu_user_exit");
    await m.run(0, "local_irq_enable");
    // From idle: the tick is the first interrupt level over an RCU-idle CPU.
    await m.run(0, "rcu_read_lock_sched");
    const gp2 = m.rcu.synchronize();
    await until(() => (m.rcu.gpSeq & 3) !== 0, 5000, "the second grace period to start");
    const cur2 = m.rcu.gpSeq;
    await m.run(0, "rcu_read_unlock_sched");
    await m.run(0, "local_irq_disable");
    await m.run(0, "rcu_idle_enter");
    expect((await m.run(0, "scheduler_tick", [0])).value).toBe(1);
    expect(report()).toBe(cur2);
    await m.run(1, "rcu_note_context_switch");
    await gp2;
  });

  it("synchronize_rcu() inside a read-side section fails at once instead of deadlocking; it is counted and the CPU goes on", async () => {
    const m = await create(2);
    await m.run(0, "rcu_read_lock_sched");
    const err = await m.run(0, "synchronize_rcu").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CpuError); // refused by the CPU, not a DeadlineError: it did not hang
    expect(err).not.toBeInstanceOf(DeadlineError);
    expect(String(err)).toMatch(/CPU 0: command 'synchronize_rcu' failed: .*synchronize_rcu\(\) called in atomic context \(preempt_count 0x1/);
    expect(m.usageErrors(0)["sync-in-atomic"]).toBe(1);
    await m.run(0, "rcu_read_unlock_sched");
    expect((await m.run(0, "synchronize_rcu")).cpu).toBe(0);
  });

  it("a CPU blocked in synchronize_rcu() counts as quiescent (its own grace period completes)", async () => {
    const m = await create(2);
    const before = m.rcu.gpSeq;
    expect((await m.run(0, "synchronize_rcu")).cpu).toBe(0);
    expect((await m.run(1, "synchronize_rcu_expedited")).cpu).toBe(1);
    // Both CPUs block at once: neither can report from a scheduling point, so only their
    // being counted as quiescent while blocked lets the grace period end before the deadline.
    const both = Promise.all([m.run(0, "synchronize_rcu"), m.run(1, "synchronize_rcu")]);
    expect(await settlesWithin(both, 10_000)).toBe(true);
    expect((await both).map((r) => r.cpu)).toEqual([0, 1]);
    expect(m.rcu.gpSeq).toBeGreaterThan(before); // normal grace periods did complete
  });

  it("synchronize_rcu_expedited() waits for a reader too", async () => {
    const m = await create(2);
    await m.run(1, "rcu_read_lock_sched");
    const gp = m.rcu.synchronize({ expedited: true });
    expect(await settlesWithin(gp, 150)).toBe(false);
    await m.run(1, "rcu_read_unlock_sched");
    await gp;
  });

  it("call_rcu() callbacks from the host run after a grace period, in call order", async () => {
    const m = await create(2);
    await m.run(1, "rcu_read_lock_sched");
    const ran: number[] = [];
    const seqs: number[] = [];
    const start = m.rcu.gpSeq;
    const cbs = [1, 2, 3].map((i) => m.rcu.call(() => (ran.push(i), seqs.push(m.rcu.gpSeq))));
    expect(await settlesWithin(Promise.all(cbs), 150)).toBe(false);
    expect(ran).toEqual([]);
    await m.run(1, "rcu_read_unlock_sched");
    await Promise.all(cbs);
    expect(ran).toEqual([1, 2, 3]);
    for (const s of seqs) expect(s - start).toBeGreaterThanOrEqual(4);
  });

  it("call_rcu() from code on a CPU runs the callback (through the function table) after a grace period", async () => {
    const m = await create(2);
    m.writeSharedWord(5, 0);
    await m.run(1, "rcu_read_lock_sched");
    await m.run(0, "call_rcu", [m.functionIndex("cb_shared_inc"), 5]);
    await new Promise((r) => setTimeout(r, 150));
    expect(m.readSharedWord(5)).toBe(0);
    await m.run(1, "rcu_read_unlock_sched");
    await until(() => m.readSharedWord(5) === 1, 10_000, "the callback");
  });

  it("the polled API: a cookie from start_poll_synchronize_rcu() is not done while a reader holds it up, and is done after it leaves", async () => {
    const m = await create(2);
    await m.run(1, "rcu_read_lock_sched");
    const cookie = m.rcu.startPoll();
    await new Promise((r) => setTimeout(r, 150));
    expect(m.rcu.pollState(cookie)).toBe(false);
    await until(() => m.rcu.waitingFor().includes(1), 10_000, "the grace period to wait for CPU 1");
    expect(m.rcu.pollState(cookie)).toBe(false);
    await m.run(1, "rcu_read_unlock_sched");
    await until(() => m.rcu.pollState(cookie), 10_000, "poll_state_synchronize_rcu(cookie)");
    expect(m.rcu.gpInProgress).toBe(false);
  });
});

describe("FQS timing (kernel/rcu/tree.c v5.6: rcu_init_geometry, rcu_gp_fqs_loop)", () => {
  it("HZ and the FQS intervals come from the module: jiffies_till_first_fqs = RCU_JIFFIES_TILL_FORCE_QS + nr_cpu_ids / 256", async () => {
    const m = await create(2);
    const t = m.timing;
    expect(t.hz).toBe(m.layout.HZ);
    expect(t.jiffyUs).toBe(1e6 / t.hz);
    // RCU_JIFFIES_TILL_FORCE_QS = 1 + (HZ > 250) + (HZ > 500) (kernel/rcu/tree.h): 3 at HZ=1000.
    const base = 1 + (t.hz > 250 ? 1 : 0) + (t.hz > 500 ? 1 : 0);
    expect(t.jiffiesTillFirstFqs).toBe(base + Math.floor(m.cpus / 256));
    expect(t.jiffiesTillNextFqs).toBe(t.jiffiesTillFirstFqs);
  });

  it("the first FQS scan is due jiffies_till_first_fqs after rcu_gp_init(), each later one jiffies_till_next_fqs after the last", async () => {
    const m = await create(2);
    const L = m.layout, P = L.RCU_GP_PRIV, t = m.timing;
    // A consistent view of the engine's times: two equal reads in a row.
    const read = () => [m.readU32(P + L.GP_PRIV_FQS), m.readF64(P + L.GP_PRIV_START_US), m.readF64(P + L.GP_PRIV_NEXT_FQS), m.readF64(P + L.GP_PRIV_LAST_FQS_US)];
    const stable = () => {
      for (;;) {
        const a = read(), b = read();
        if (a.every((v, i) => v === b[i])) return { fqs: a[0], start: a[1], next: a[2], last: a[3] };
      }
    };
    await m.run(1, "rcu_read_lock_sched"); // CPU 1 in a reader: no FQS scan can end the grace period
    const gp = m.rcu.synchronize();
    await until(() => (m.rcu.gpSeq & 3) !== 0, 10_000, "the grace period to start");
    let v = stable();
    if (v.fqs === 0) expect(v.next - v.start).toBe(t.jiffiesTillFirstFqs * t.jiffyUs); // rcu_state.jiffies_force_qs = jiffies + j
    await until(() => stable().fqs >= 2, 20_000, "two FQS scans");
    v = stable();
    expect(v.next - v.last).toBe(t.jiffiesTillNextFqs * t.jiffyUs);
    expect(v.last - v.start).toBeGreaterThanOrEqual((t.jiffiesTillFirstFqs + (v.fqs - 1) * t.jiffiesTillNextFqs) * t.jiffyUs);
    await m.run(1, "rcu_read_unlock_sched");
    await gp;
  });
});
