import { describe, expect, it } from "vitest";
import { TracepointError } from "../dist/bindings/index.js";
import { settlesWithin, until, useMachines } from "./helpers.js";

const machine = useMachines({ deadlineMs: 20_000 });
const create = (cpus = 2) => machine(cpus);

describe("tracepoint_probe_register / unregister (kernel/tracepoint.c, v5.6)", () => {
  it("orders probes by priority: higher first, equal after the existing ones", async () => {
    const m = await create();
    const tp = m.tracepoints.define("sched_switch");
    expect(tp.keyEnabled).toBe(false);
    tp.register("count", 1, 10);
    expect(tp.keyEnabled).toBe(true);
    tp.register("count", 2, 20);
    tp.register("count", 3, 10);
    tp.register("empty", 4, 5);
    tp.register("count", 5, 20);
    expect(tp.probes().map((p) => `${p.probe}/${p.data}/${p.prio}`)).toEqual(["count/2/20", "count/5/20", "count/1/10", "count/3/10", "empty/4/5"]);
  });

  it("a duplicate (probe, data) is -EEXIST and a counted WARN_ON_ONCE; the same probe with other data is fine", async () => {
    const m = await create();
    const tp = m.tracepoints.define("irq_disable");
    tp.register("count", 7);
    const err = (() => {
      try {
        tp.register("count", 7, 99);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TracepointError);
    expect((err as TracepointError).errno).toBe(17);
    expect(String(err)).toMatch(/-EEXIST/);
    expect(tp.warnings).toBe(1);
    tp.register("count", 8);
    expect(tp.probes()).toHaveLength(2);
  });

  it("unregister: -ENOENT only with no probes at all; an unmatched pair returns 0 and still publishes a copy", async () => {
    const m = await create();
    const tp = m.tracepoints.define("irq_enable");
    expect(() => tp.unregister("count", 1)).toThrow(/-ENOENT/);
    expect(tp.warnings).toBe(1);
    tp.register("count", 1);
    const before = m.tracepoints.arraysInUse;
    tp.unregister("empty", 42); // not registered: returns 0
    expect(tp.probes()).toEqual([{ probe: "count", data: 1, prio: 10 }]);
    expect(m.tracepoints.arraysInUse).toBe(before + 1); // a new copy, the old one awaits its grace periods
    await until(() => m.tracepoints.arraysInUse === before, 10_000, "the old array to be freed");
  });

  it("removing the last probe publishes NULL and disables the static key", async () => {
    const m = await create();
    const tp = m.tracepoints.define("cpu_idle");
    tp.register("count", 1);
    tp.register("count", 2);
    tp.unregister("count", 1);
    expect(tp.keyEnabled).toBe(true);
    tp.unregister("count", 2);
    expect(tp.keyEnabled).toBe(false);
    expect(tp.hasArray).toBe(false);
    expect(() => tp.unregister("count", 2)).toThrow(/-ENOENT/);
  });

  it("a NULL probe: register refuses it with -EINVAL and two warnings; unregister removes every probe (v5.6 func_add/func_remove)", async () => {
    const m = await create();
    const tp = m.tracepoints.define("null_probe");
    expect(() => tp.register(null)).toThrow(/-EINVAL: a NULL probe/);
    expect(tp.warnings).toBe(2); // WARN_ON(!tp_func->func) and tracepoint_add_func()'s WARN_ON_ONCE
    expect(tp.hasArray).toBe(false);
    expect(() => tp.unregister(null)).toThrow(/-ENOENT/); // no probes at all
    tp.register("count", 1);
    tp.register("empty", 2);
    tp.register("count", 3, 20);
    tp.unregister(null, 2); // data does not matter: nothing is matched, nothing is kept
    expect(tp.probes()).toEqual([]);
    expect(tp.hasArray).toBe(false);
    expect(tp.keyEnabled).toBe(false);
    expect(tp.warnings).toBe(3);
  });

  it("the old array is freed only after the chained grace periods (call_rcu -> call_srcu -> free)", async () => {
    const m = await create();
    const tp = m.tracepoints.define("sys_enter", "rcu-srcu");
    tp.register("count", 1);
    await m.tracepoints.synchronizeUnregister();
    await until(() => m.tracepoints.arraysInUse === 1, 10_000, "the register's NULL -> array step to settle");
    // An SRCU reader of tracepoint_srcu on CPU 1 holds the SRCU half of the chain.
    const idx = (await m.run(1, "srcu_read_lock", [0])).value;
    tp.unregister("count", 1);
    expect(m.tracepoints.arraysInUse).toBe(1); // the old array, waiting
    await m.rcu.synchronize();
    await m.rcu.synchronize(); // the RCU half is over, call_srcu has been queued
    await new Promise((r) => setTimeout(r, 100));
    expect(m.tracepoints.arraysInUse).toBe(1); // still held by the SRCU reader
    await m.run(1, "srcu_read_unlock", [0, idx]);
    await until(() => m.tracepoints.arraysInUse === 0, 10_000, "the array to be freed after the SRCU grace period");
    // ... and an RCU-sched reader holds the RCU half.
    tp.register("count", 1);
    await until(() => m.tracepoints.arraysInUse === 1, 10_000, "settle");
    await m.run(0, "rcu_read_lock_sched");
    tp.unregister("count", 1);
    await new Promise((r) => setTimeout(r, 150));
    expect(m.tracepoints.arraysInUse).toBe(1);
    await m.run(0, "rcu_read_unlock_sched");
    await until(() => m.tracepoints.arraysInUse === 0, 10_000, "the array to be freed after both grace periods");
  });

  it("arena exhaustion is a clear -ENOMEM, never corruption, and the arena recovers after grace periods", async () => {
    const m = await create();
    const tp = m.tracepoints.define("flood");
    await m.run(1, "rcu_read_lock_sched"); // hold grace periods so nothing is freed
    let err: unknown;
    let n = 0;
    try {
      for (; n < 10_000; n++) {
        tp.register("count", 1);
        tp.unregister("count", 1);
      }
    } catch (e) {
      err = e;
    }
    expect(String(err)).toMatch(/-ENOMEM: no probe array available \(the arena holds 512 arrays/);
    expect(n).toBe(512); // one array per iteration (the unregister of the last probe publishes NULL)
    await m.run(1, "rcu_read_unlock_sched");
    await until(() => m.tracepoints.arraysInUse <= 1, 20_000, "the arena to drain");
    tp.register("count", 2);
    expect(tp.probes().map((p) => p.data)).toContain(2);
  });

  it("the arena's in-use count stays exact under register/unregister churn while the kthread frees concurrently (probes_arena.ts)", async () => {
    // The host's allocate_probes() increments TPA_IN_USE while the kthread's free_probes()
    // decrements it: both are locked RMWs, so no update is lost (a plain read-modify-write
    // on the host could lose a concurrent decrement and leave the count off for good).
    const m = await create();
    const tps = [m.tracepoints.define("churn_rcu", "rcu"), m.tracepoints.define("churn_srcu", "rcu-srcu")];
    const L = m.layout;
    const allocs = () => m.readU64(L.TP_ARENA_PRIV + L.TPA_ALLOCS);
    const frees = () => m.readU64(L.TP_ARENA_PRIV + L.TPA_FREES);
    // Each release queues call_rcu(), so the kthread runs grace periods and frees old
    // arrays all along, while the host allocates new ones.
    const t0 = Date.now();
    let updates = 0;
    while (Date.now() - t0 < 1500) {
      for (const tp of tps) {
        await m.tracepoints.retryWhileArenaFull(() => tp.register("count", updates % 3));
        await m.tracepoints.retryWhileArenaFull(() => tp.unregister("count", updates % 3));
      }
      updates++;
      if (updates % 16 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    expect(frees()).toBeGreaterThan(0); // frees did run during the churn
    await m.tracepoints.synchronizeUnregister();
    await until(() => frees() === allocs(), 20_000, "every released array to be freed");
    expect(m.tracepoints.arraysInUse).toBe(0); // no probes left, so no array in use
    expect(m.tracepoints.arraysInUse).toBe(allocs() - frees());
  });

  it("bad input: unknown probe, data out of range, too many tracepoints", async () => {
    const m = await create();
    const tp = m.tracepoints.define("x");
    expect(() => tp.register("nope" as never)).toThrow(/unknown probe 'nope'; expected one of: empty, count, record, spin, host/);
    expect(() => tp.register("count", -1)).toThrow(/data must be an integer in 0\.\.4294967295/);
    expect(() => m.tracepoints.define("x")).toThrow(/defined already/);
    for (let i = 1; i < m.layout.NR_TRACEPOINTS; i++) m.tracepoints.define(`t${i}`);
    expect(() => m.tracepoints.define("one_too_many")).toThrow(/NR_TRACEPOINTS = 16/);
  });
});

describe("probes", () => {
  it("count and record run per CPU through the strategy loop; record drops or overwrites when full", async () => {
    const m = await create();
    const tp = m.tracepoints.define("ev");
    tp.register("count", 0);
    tp.register("record", (0x80000000 | tp.id) >>> 0); // drop mode
    await m.run(1, "trace_loop_plain", [1000, tp.id, 77]);
    const L = m.layout;
    expect(m.readPerCpuU32(1, L.PCPU_TP + L.TPS_COUNT)).toBe(1000);
    const ring = L.RING_BASE + 1 * L.RING_STRIDE;
    const u32 = new Uint32Array(m.memory.buffer);
    expect(u32[(ring + L.RING_HEAD) >> 2]).toBe(L.RING_SIZE);
    expect(u32[(ring + L.RING_DROPS) >> 2]).toBe(1000 - L.RING_SIZE);
    const e0 = (ring + L.RING_ENTRIES) >> 2;
    expect([u32[e0], u32[e0 + 1], u32[e0 + 2], u32[e0 + 3]]).toEqual([1, 1, tp.id, 77]); // clock, cpu, id, arg
    expect(await settlesWithin(m.rcu.synchronize(), 5000)).toBe(true);
  });

  it("record in overwrite mode keeps the newest events and counts the overwritten ones", async () => {
    const m = await create();
    const tp = m.tracepoints.define("ev2");
    tp.register("record", tp.id); // overwrite mode (bit 31 clear)
    await m.run(0, "trace_loop_plain", [1000, tp.id, 5]);
    const L = m.layout;
    const ring = L.RING_BASE + 0 * L.RING_STRIDE;
    const u32 = new Uint32Array(m.memory.buffer);
    expect(u32[(ring + L.RING_HEAD) >> 2]).toBe(1000);
    expect(u32[(ring + L.RING_OVERWRITES) >> 2]).toBe(1000 - L.RING_SIZE);
    expect(u32[(ring + L.RING_DROPS) >> 2]).toBe(0);
    const last = (ring + L.RING_ENTRIES + ((999 % L.RING_SIZE) * L.RING_ENTRY_SIZE)) >> 2;
    expect(u32[last]).toBe(1000); // the local clock of the 1000th event
  });
});
