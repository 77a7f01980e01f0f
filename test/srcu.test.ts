import { describe, expect, it } from "vitest";
import { CpuError, DeadlineError, type Machine } from "../dist/bindings/index.js";
import { until, settlesWithin, useMachines } from "./helpers.js";

const machine = useMachines({ deadlineMs: 20_000 });
const create = (cpus: number, idle = true) => machine(cpus, { idle });

describe("SRCU (srcutree.c, v5.6)", () => {
  it("synchronize_srcu waits for a reader on each index", async () => {
    const m = await create(2);
    const tp = m.srcu("tracepoint_srcu");
    const idx0 = (await m.run(0, "srcu_read_lock", [tp.index])).value;
    const gp1 = tp.synchronize();
    expect(await settlesWithin(gp1, 150)).toBe(false); // SCAN2 waits for the reader on idx0
    const idx1 = (await m.run(1, "srcu_read_lock", [tp.index])).value; // after the flip
    expect(idx1).toBe(1 - idx0);
    await m.run(0, "srcu_read_unlock", [tp.index, idx0]);
    await gp1;
    const gp2 = tp.synchronize();
    expect(await settlesWithin(gp2, 150)).toBe(false); // now the reader on the other index holds it
    await m.run(1, "srcu_read_unlock", [tp.index, idx1]);
    await gp2;
    expect(tp.gpSeq & 3).toBe(0);
  });

  it("broken variant srcu-no-flip: the grace period ends under a reader of the active index", async () => {
    const m = await create(2);
    m.setFaults(["srcu-no-flip"]);
    const tp = m.srcu("tracepoint_srcu");
    const idx = (await m.run(0, "srcu_read_lock", [tp.index])).value;
    expect(await settlesWithin(tp.synchronize(), 10_000)).toBe(true);
    await m.run(0, "srcu_read_unlock", [tp.index, idx]);
  });

  it("SRCU readers are legal where RCU is not watching (idle), and the grace period waits for them", async () => {
    const m = await create(2);
    const tp = m.srcu("tracepoint_srcu");
    await m.run(0, "idle_loop_enter");
    expect((await m.run(0, "rcu_is_watching")).value).toBe(0);
    const idx = (await m.run(0, "srcu_read_lock", [tp.index])).value;
    const gp = tp.synchronize({ expedited: true });
    expect(await settlesWithin(gp, 150)).toBe(false);
    await m.run(0, "srcu_read_unlock", [tp.index, idx]);
    await gp;
    await m.run(0, "idle_loop_exit");
    expect(Object.values(m.usageErrors(0)).every((v) => v === 0)).toBe(true);
  });

  it("a user-made srcu_struct is independent of tracepoint_srcu", async () => {
    const m = await create(2);
    const mine = m.initSrcu("my_srcu");
    const tp = m.srcu("tracepoint_srcu");
    const idx = (await m.run(0, "srcu_read_lock", [mine.index])).value;
    await tp.synchronize(); // not held up by a reader of my_srcu
    expect(await settlesWithin(mine.synchronize(), 150)).toBe(false);
    await m.run(0, "srcu_read_unlock", [mine.index, idx]);
    await mine.synchronize();
    expect(() => m.initSrcu("my_srcu")).toThrow(/exists already/);
  });

  it("srcu_read_lock from NMI context is a counted usage error", async () => {
    const m = await create(1, false);
    await m.run(0, "nmi_enter");
    const idx = (await m.run(0, "srcu_read_lock", [0])).value;
    await m.run(0, "srcu_read_unlock", [0, idx]);
    await m.run(0, "nmi_exit");
    expect(m.usageErrors(0)["srcu-in-nmi"]).toBe(1);
  });

  it("call_srcu() callbacks run after an SRCU grace period, in order; synchronize_srcu from a CPU works", async () => {
    const m = await create(2);
    const tp = m.srcu("tracepoint_srcu");
    const idx = (await m.run(1, "srcu_read_lock", [tp.index])).value;
    const ran: number[] = [];
    const cbs = [1, 2].map((i) => tp.call(() => ran.push(i)));
    expect(await settlesWithin(Promise.all(cbs), 150)).toBe(false);
    await m.run(1, "srcu_read_unlock", [tp.index, idx]);
    await Promise.all(cbs);
    expect(ran).toEqual([1, 2]);
    await m.run(0, "synchronize_srcu", [tp.index]);
    await m.run(0, "synchronize_srcu_expedited", [tp.index]);
  });

  it("the polled API: start_poll_synchronize_srcu()'s cookie is done only after the reader that held it up leaves", async () => {
    const m = await create(2);
    const ss = m.initSrcu("polled");
    const idx = (await m.run(1, "srcu_read_lock", [ss.index])).value;
    const cookie = ss.startPoll();
    await new Promise((r) => setTimeout(r, 150));
    expect(ss.pollState(cookie)).toBe(false);
    await m.run(1, "srcu_read_unlock", [ss.index, idx]);
    await until(() => ss.pollState(cookie), 10_000, "poll_state_synchronize_srcu(cookie)");
  });
});

describe("synchronize_srcu() inside the caller's own reader (srcutree.c v5.6 __synchronize_srcu: RCU_LOCKDEP_WARN(lock_is_held(&ssp->dep_map)))", () => {
  it("is refused at once and counted as sync-in-srcu-reader; the CPU goes on, and another srcu_struct's grace period is legal there", async () => {
    const m = await create(2);
    const tp = m.srcu("tracepoint_srcu"), mine = m.initSrcu("mine");
    const idx = (await m.run(0, "srcu_read_lock", [tp.index])).value; // preemption stays enabled: might_sleep() sees nothing
    for (const cmd of ["synchronize_srcu", "synchronize_srcu_expedited"]) {
      const err = await m.run(0, cmd, [tp.index]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CpuError); // refused by the CPU, not a DeadlineError: it did not wait
      expect(err).not.toBeInstanceOf(DeadlineError);
      expect(String(err)).toMatch(new RegExp(`CPU 0: command '${cmd}' failed: .*inside this CPU's own read-side section of srcu_struct ${tp.index}`));
    }
    expect(m.usageErrors(0)["sync-in-srcu-reader"]).toBe(2);
    expect(m.usageErrors(0)["sync-in-atomic"]).toBe(0);
    expect((await m.run(0, "synchronize_srcu", [mine.index])).cpu).toBe(0); // a different srcu_struct: legal, completes
    expect(await settlesWithin(m.run(1, "synchronize_srcu", [tp.index]), 150)).toBe(false); // CPU 1 waits for CPU 0's reader, as it must
    await m.run(0, "srcu_read_unlock", [tp.index, idx]);
    expect((await m.run(0, "synchronize_srcu", [tp.index])).cpu).toBe(0);
    expect(m.usageErrors(0)["sync-in-srcu-reader"]).toBe(2);
  });

  it("nested readers: refused until the outermost unlock; an SRCU-fast reader and the split lock (stage2) count too", async () => {
    const m = await create(2);
    const tp = m.srcu("tracepoint_srcu"), fast = m.initSrcu("fast", "srcu-fast");
    const a = (await m.run(0, "srcu_read_lock", [tp.index])).value;
    const b = (await m.run(0, "srcu_read_lock", [tp.index])).value;
    await m.run(0, "srcu_read_unlock", [tp.index, b]);
    await expect(m.run(0, "synchronize_srcu", [tp.index])).rejects.toThrow(/own read-side section/);
    await m.run(0, "srcu_read_unlock", [tp.index, a]);
    await m.run(0, "synchronize_srcu", [tp.index]);
    const scp = (await m.run(0, "srcu_read_lock_fast", [fast.index])).value;
    await expect(m.run(0, "synchronize_srcu", [fast.index])).rejects.toThrow(/own read-side section/);
    await m.run(0, "srcu_read_unlock_fast", [fast.index, scp]);
    const i1 = (await m.run(0, "srcu_read_lock_stage1", [tp.index])).value;
    await m.run(0, "synchronize_srcu", [tp.index]); // stalled before the increment: lockdep does not know the reader yet
    await m.run(0, "srcu_read_lock_stage2", [tp.index, i1]);
    await expect(m.run(0, "synchronize_srcu", [tp.index])).rejects.toThrow(/own read-side section/);
    await m.run(0, "srcu_read_unlock", [tp.index, i1]);
    expect(m.usageErrors(0)["sync-in-srcu-reader"]).toBe(3);
  });

  it("broken variant srcu-sync-unchecked (the old behaviour): it waits for itself until the deadline, uncounted", async () => {
    const m = await create(2);
    m.setFaults(["srcu-sync-unchecked"]);
    const tp = m.srcu("tracepoint_srcu");
    const idx = (await m.run(0, "srcu_read_lock", [tp.index])).value;
    const err = await m.run(0, "synchronize_srcu", [tp.index], { deadlineMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    expect(m.usageErrors(0)["sync-in-srcu-reader"]).toBe(0);
    await m.run(1, "srcu_read_unlock", [tp.index, idx]); // the sums balance: the stuck CPU's grace period can end
  });
});

describe("SRCU-fast (v6.15)", () => {
  it("synchronize_srcu waits for an SRCU-fast reader on each index", async () => {
    const m = await create(2);
    const fast = m.initSrcu("fast_srcu", "srcu-fast");
    const scp0 = (await m.run(0, "srcu_read_lock_fast", [fast.index])).value;
    const gp1 = fast.synchronize();
    expect(await settlesWithin(gp1, 200)).toBe(false);
    const scp1 = (await m.run(1, "srcu_read_lock_fast", [fast.index])).value;
    expect(scp1).not.toBe(scp0);
    await m.run(0, "srcu_read_unlock_fast", [fast.index, scp0]);
    await gp1;
    const gp2 = fast.synchronize();
    expect(await settlesWithin(gp2, 200)).toBe(false);
    await m.run(1, "srcu_read_unlock_fast", [fast.index, scp1]);
    await gp2;
  });

  it("its grace period waits for RCU grace periods (barrier X) where SRCU has smp_mb() A", async () => {
    const m = await create(2);
    const fast = m.initSrcu("fast_srcu", "srcu-fast");
    const rcuBefore = m.rcu.gpSeq;
    await fast.synchronize();
    expect((m.rcu.gpSeq - rcuBefore) >> 2).toBeGreaterThanOrEqual(2); // one per scan
    const tp = m.srcu("tracepoint_srcu");
    const rcuMid = m.rcu.gpSeq;
    await tp.synchronize();
    expect(m.rcu.gpSeq).toBe(rcuMid); // plain SRCU needs no RCU grace period
  });

  it("an SRCU-fast reader where RCU is not watching is a counted usage error, on the lock and (v6.15) the unlock side", async () => {
    const m = await create(1, false);
    const fast = m.initSrcu("fast_srcu", "srcu-fast");
    await m.run(0, "local_irq_disable");
    await m.run(0, "rcu_idle_enter");
    const scp = (await m.run(0, "srcu_read_lock_fast", [fast.index])).value;
    expect(m.usageErrors(0)["srcu-fast-not-watching"]).toBe(1);
    await m.run(0, "srcu_read_unlock_fast", [fast.index, scp]);
    expect(m.usageErrors(0)["srcu-fast-not-watching"]).toBe(2); // RCU_LOCKDEP_WARN in srcu_read_unlock_fast()
    await m.run(0, "rcu_irq_enter"); // watching again inside the irq: legal
    const scp2 = (await m.run(0, "srcu_read_lock_fast", [fast.index])).value;
    await m.run(0, "rcu_irq_exit"); // ... but the unlock comes after RCU stopped watching again
    await m.run(0, "srcu_read_unlock_fast", [fast.index, scp2]);
    expect(m.usageErrors(0)["srcu-fast-not-watching"]).toBe(3);
    await m.run(0, "rcu_irq_enter");
    const scp3 = (await m.run(0, "srcu_read_lock_fast", [fast.index])).value;
    await m.run(0, "srcu_read_unlock_fast", [fast.index, scp3]);
    expect(m.usageErrors(0)["srcu-fast-not-watching"]).toBe(3); // both sides where RCU watches: legal
  });
});

describe("SRCU stragglers and migration", () => {
  // A reader stalled after READ_ONCE(srcu_idx) across a flip increments an index that has
  // just become inactive; SCAN1 of the next grace period waits for it.
  async function stalledReader(fault?: "srcu-no-scan1") {
    const m = await create(2);
    if (fault) m.setFaults([fault]);
    const tp = m.srcu("tracepoint_srcu");
    const idx = (await m.run(0, "srcu_read_lock_stage1", [tp.index])).value; // stalled here...
    await tp.synchronize(); // ...while a grace period flips the index
    await m.run(0, "srcu_read_lock_stage2", [tp.index, idx]); // now counts on the inactive index
    const gp = tp.synchronize();
    const ended = await settlesWithin(gp, fault ? 10_000 : 200);
    await m.run(0, "srcu_read_unlock", [tp.index, idx]);
    await gp;
    return ended;
  }

  it("SCAN1 waits for a reader stalled between READ_ONCE(srcu_idx) and its increment", async () => {
    expect(await stalledReader()).toBe(false);
  });

  it("broken variant srcu-no-scan1: the grace period ends under that reader", async () => {
    expect(await stalledReader("srcu-no-scan1")).toBe(true);
  });

  it("a reader that migrates inside its section (lock on CPU 0, unlock on CPU 1) is waited for until its unlock", async () => {
    const m = await create(2);
    const tp = m.srcu("tracepoint_srcu");
    const idx = (await m.run(0, "srcu_read_lock", [tp.index])).value;
    const gp = tp.synchronize();
    expect(await settlesWithin(gp, 150)).toBe(false);
    await m.run(1, "srcu_read_unlock", [tp.index, idx]); // the per-CPU counts are now unbalanced, their sums are not
    await gp;
  });
});

describe("SRCU grace-period timing (srcutree.c v5.6: srcu_funnel_gp_start, srcu_get_delay, try_check_zero)", () => {
  /** The update-side bookkeeping of srcu_struct `ssp`. */
  function view(m: Machine, ssp: number) {
    const L = m.layout, s = L.SRCU_BASE + ssp * L.SRCU_STRIDE;
    return {
      scans: () => m.readU64(s + L.SRCU_PRIV_SCANS),
      gpStart: () => m.readF64(s + L.SRCU_PRIV_GP_START_US),
      firstScan: () => m.readF64(s + L.SRCU_PRIV_FIRST_SCAN_US),
      lastTryChecks: () => m.readU32(s + L.SRCU_PRIV_LAST_TRY_CHECKS),
      tryInProgress: () => m.readU32(s + L.SRCU_PRIV_TRYCOUNT) !== 0,
      next: () => m.readF64(s + L.SRCU_PRIV_NEXT_US),
      lastTry: () => m.readF64(s + L.SRCU_PRIV_LAST_TRY_US),
    };
  }

  it("a normal grace period scans first SRCU_INTERVAL (a jiffy) after srcu_gp_start(); with a reader, SCAN2 checks twice per work run and is queued again a jiffy later", async () => {
    const m = await create(2);
    const tp = m.srcu("tracepoint_srcu"), v = view(m, tp.index), t = m.timing;
    const idx = (await m.run(1, "srcu_read_lock", [tp.index])).value; // holds SCAN2: its index is the active one
    const scans0 = v.scans();
    const cookie = tp.startPoll(); // the polled API never expedites (do_norm)
    // SCAN1 (one check, passes), then SCAN2 calls that fail: 1 + 2 + 2 checks.
    await until(() => v.scans() - scans0 >= 5, 20_000, "two SCAN2 try_check_zero() calls");
    expect(v.firstScan() - v.gpStart()).toBeGreaterThanOrEqual(t.srcuIntervalJiffies * t.jiffyUs); // queue_delayed_work(.., srcu_get_delay())
    expect(v.lastTryChecks()).toBe(2); // try_check_zero(ssp, idx, 2): udelay(5) between the two
    await until(() => !v.tryInProgress(), 10_000, "a moment between work runs");
    expect(v.next() - v.lastTry()).toBe(t.srcuIntervalJiffies * t.jiffyUs); // srcu_reschedule(ssp, srcu_get_delay(ssp))
    expect(tp.pollState(cookie)).toBe(false);
    await m.run(1, "srcu_read_unlock", [tp.index, idx]);
    await until(() => tp.pollState(cookie), 20_000, "the grace period to end");
  });

  it("an expedited grace period scans at once, and each try_check_zero() makes one more check (SCAN2: three)", async () => {
    const m = await create(2);
    const tp = m.srcu("tracepoint_srcu"), v = view(m, tp.index);
    const idx = (await m.run(1, "srcu_read_lock", [tp.index])).value;
    const scans0 = v.scans();
    const gp = tp.synchronize({ expedited: true });
    await until(() => v.scans() - scans0 >= 7, 20_000, "two expedited SCAN2 calls"); // 1 + 3 + 3
    expect(v.firstScan()).toBe(v.gpStart()); // srcu_get_delay() == 0: process_srcu() runs at once
    expect(v.lastTryChecks()).toBe(3); // --trycount + !srcu_get_delay(ssp): 2 + 1
    await m.run(1, "srcu_read_unlock", [tp.index, idx]);
    await gp;
  });

  it("SCAN1 with a reader on the inactive index checks once (normal) per work run", async () => {
    const m = await create(2);
    const tp = m.srcu("tracepoint_srcu"), v = view(m, tp.index);
    const idx = (await m.run(0, "srcu_read_lock_stage1", [tp.index])).value; // stalled after READ_ONCE(srcu_idx)
    await tp.synchronize(); // flips the index under it
    await m.run(0, "srcu_read_lock_stage2", [tp.index, idx]); // counts on the now inactive index: SCAN1 waits
    const scans0 = v.scans();
    const cookie = tp.startPoll();
    await until(() => v.scans() - scans0 >= 2, 20_000, "two SCAN1 work runs");
    expect(v.lastTryChecks()).toBe(1); // try_check_zero(ssp, idx, 1)
    await m.run(0, "srcu_read_unlock", [tp.index, idx]);
    await until(() => tp.pollState(cookie), 20_000, "the grace period to end");
  });
});
