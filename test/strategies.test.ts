import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Machine } from "../dist/bindings/index.js";
import { STRATEGIES, defineBenchTracepoints, opCountsPerCall, strategy } from "../dist/bindings/index.js";
import { modeledCycles, parseProfile, runStrategyBench } from "../dist/bindings/index.js";
import fs from "node:fs";

// Exact op counts per call from the counting build: deterministic, so asserted exactly.
// They are what the kernel's code executes per call of trace_X() with one empty probe.
let m: Machine;
let tps: Record<number, number>;
beforeAll(async () => {
  m = await Machine.create({ cpus: 1, build: "counting" });
  tps = defineBenchTracepoints(m);
  return () => m.close();
});

const ops = (name: string, ctx: "task" | "idle", probes = 1) => opCountsPerCall(m, strategy(name), ctx, name === "off" ? tps[0] : tps[probes]);

// Every strategy's full op vector per call, one empty probe (off: none), as "A M Q C I P L S R B":
// atomic RMW, smp_mb, irq save (as many restores), out-of-line call, indirect call, this_cpu
// RMW, load, store, release store, branch. `cond` (cpu_online(raw_smp_processor_id())) is two
// loads and a branch in every enabled row; v6.13 and the 2025 row call one probe directly
// through static_call (C, not I).
const EXPECTED: Record<string, { task: string; idle: string }> = {
  off: { task: "0 0 0 0 0 0 0 0 0 1", idle: "0 0 0 0 0 0 0 0 0 1" },
  plain: { task: "0 0 0 0 1 2 6 0 0 5", idle: "0 0 0 0 1 2 6 0 0 5" },
  "rcuidle-irq": { task: "0 0 2 6 1 2 14 2 0 12", idle: "2 0 2 6 1 2 17 4 0 13" },
  "rcuidle-srcu": { task: "0 2 0 2 1 4 10 0 0 6", idle: "0 2 0 2 1 4 10 0 0 6" },
  "rcuidle-srcu-irq": { task: "0 2 2 6 1 4 15 2 0 10", idle: "2 2 2 6 1 4 15 2 0 11" },
  "rcuidle-watching": { task: "0 0 0 1 1 4 7 0 0 8", idle: "2 0 2 5 1 4 12 2 0 13" },
  noinstr: { task: "0 0 0 1 0 2 4 0 0 4", idle: "0 0 0 1 0 2 4 0 0 4" },
  "noinstr+lockdep": { task: "0 0 0 2 0 4 7 0 0 7", idle: "0 0 0 2 0 4 8 0 0 8" },
  "srcu-fast": { task: "0 0 0 3 0 8 10 2 0 9", idle: "0 0 0 3 0 8 10 2 0 9" },
};
const VECTOR = ["atomic_rmw", "smp_mb", "irq_save", "call", "indirect_call", "this_cpu_rmw", "read_once", "write_once", "store_release", "branch"] as const;

describe("op counts per call (counting build, one empty probe)", () => {
  it("every strategy executes exactly its kernel sequence (the table above)", async () => {
    const got: Record<string, { task: string; idle: string }> = {};
    for (const s of STRATEGIES) {
      const row = { task: "", idle: "" };
      for (const ctx of ["task", "idle"] as const) {
        const o = await ops(s.name, ctx);
        row[ctx] = VECTOR.map((k) => o[k]).join(" ");
      }
      got[s.name] = row;
    }
    expect(got).toEqual(EXPECTED);
  });

  it("off: one branch (the static key), nothing else", async () => {
    expect(await ops("off", "task")).toMatchObject({ branch: 1, read_once: 0, atomic_rmw: 0, smp_mb: 0, indirect_call: 0 });
  });

  it("plain: no atomics, no barriers, one indirect call; the preempt count twice; cond's two loads and branch", async () => {
    const o = await ops("plain", "task");
    expect(o).toMatchObject({ atomic_rmw: 0, smp_mb: 0, irq_save: 0, irq_restore: 0, indirect_call: 1, this_cpu_rmw: 2, call: 0, read_once: 6, branch: 5 });
  });

  it("cond: on a CPU that is not online, trace_X() returns after cpu_online(raw_smp_processor_id()) and calls no probe", async () => {
    const tp = m.tracepoints.define("offline_cond");
    tp.register("count", 1);
    expect((await m.run(0, "set_cpu_online", [0, 0])).value).toBe(1);
    try {
      for (const name of ["plain", "rcuidle-srcu-irq", "noinstr", "noinstr+lockdep", "srcu-fast"]) {
        const o = await opCountsPerCall(m, strategy(name), "task", tp.id, 10);
        // the static key, then cond: raw_smp_processor_id() and cpu_online_mask loads, its branch;
        // noinstr+lockdep tests cond once more for its WARN_ONCE and stops there too
        const twice = name === "noinstr+lockdep" ? 2 : 1;
        expect({ name, ...o }).toMatchObject({ name, read_once: 2 * twice, branch: 1 + twice, indirect_call: 0, call: 0, this_cpu_rmw: 0, smp_mb: 0 });
      }
    } finally {
      await m.run(0, "set_cpu_online", [0, 1]);
    }
    expect((await opCountsPerCall(m, strategy("plain"), "task", tp.id, 10)).indirect_call).toBe(1);
  });

  it("rcuidle-irq (v4.18) costs two atomic RMWs on dynticks per call from idle, none from task context, and two irq save/restore pairs in both", async () => {
    const idle = await ops("rcuidle-irq", "idle");
    const task = await ops("rcuidle-irq", "task");
    // v4.18: _irqson -> rcu_irq_enter -> rcu_nmi_enter, three out-of-line calls each way
    expect(idle).toMatchObject({ atomic_rmw: 2, smp_mb: 0, irq_save: 2, irq_restore: 2, call: 6 });
    expect(task).toMatchObject({ atomic_rmw: 0, smp_mb: 0, irq_save: 2, irq_restore: 2, call: 6 });
    // from idle, rcu_dynticks_task_exit()/enter() (CONFIG_TASKS_RCU + NO_HZ_FULL) store current->rcu_tasks_idle_cpu
    expect(idle.write_once - task.write_once).toBe(2);
    // v5.6's rcu_irq_enter (rcuidle-srcu-irq's) has neither the nesting tests nor rcu_nmi_enter's call
    const v56 = await ops("rcuidle-srcu-irq", "task");
    expect(v56.call).toBe(6); // its 2 SRCU calls + 2 x (_irqson, rcu_irq_enter)
  });

  it("rcuidle-watching costs nothing extra from task context, and the rcu_irq dance only from idle", async () => {
    const task = await ops("rcuidle-watching", "task");
    const idle = await ops("rcuidle-watching", "idle");
    expect(task).toMatchObject({ atomic_rmw: 0, smp_mb: 0, irq_save: 0, call: 1 }); // the rcu_is_watching() call
    expect(idle).toMatchObject({ atomic_rmw: 2, smp_mb: 0, irq_save: 2, irq_restore: 2, call: 5 });
  });

  it("rcuidle-srcu: two full barriers (B and C) and two out-of-line SRCU calls, the same in both contexts", async () => {
    for (const ctx of ["task", "idle"] as const) {
      expect(await ops("rcuidle-srcu", ctx)).toMatchObject({ smp_mb: 2, atomic_rmw: 0, irq_save: 0, call: 2 });
    }
  });

  it("SRCU's this_cpu_inc(ssp->sda->...) loads ssp->sda first: lock = srcu_idx + sda loads, unlock = the sda load", async () => {
    const count = async (cmd: string, args: number[]) => {
      const before = m.opCounts(0);
      const r = await m.run(0, cmd, args);
      const after = m.opCounts(0);
      return { r, read_once: after.read_once - before.read_once, this_cpu_rmw: after.this_cpu_rmw - before.this_cpu_rmw };
    };
    const ssp = m.srcu("tracepoint_srcu").index;
    const lock = await count("srcu_read_lock_stage1", [ssp]);
    const inc = await count("srcu_read_lock_stage2", [ssp, lock.r.value]);
    expect(lock.read_once + inc.read_once).toBe(2); // READ_ONCE(ssp->srcu_idx), ssp->sda
    expect(inc.this_cpu_rmw).toBe(1);
    const unlock = await count("srcu_read_unlock", [ssp, lock.r.value]);
    expect(unlock).toMatchObject({ read_once: 1, this_cpu_rmw: 1 }); // ssp->sda
  });

  it("rcuidle-srcu-irq pays both: two barriers always, two atomics from idle", async () => {
    expect(await ops("rcuidle-srcu-irq", "task")).toMatchObject({ smp_mb: 2, atomic_rmw: 0, irq_save: 2, irq_restore: 2 });
    expect(await ops("rcuidle-srcu-irq", "idle")).toMatchObject({ smp_mb: 2, atomic_rmw: 2, irq_save: 2, irq_restore: 2 });
  });

  it("srcu-fast: no barrier and no atomic; outermost migrate_disable()/enable() of kernel/sched/core.c are calls with preempt and nr_pinned RMWs", async () => {
    // locks + unlocks (2), migrate_disable: preempt_disable, nr_pinned++, preempt_enable (3), migrate_enable the same (3)
    expect(await ops("srcu-fast", "task")).toMatchObject({ smp_mb: 0, atomic_rmw: 0, irq_save: 0, this_cpu_rmw: 8, indirect_call: 0, call: 3, write_once: 2 });
  });

  it("srcu-fast inside a task that has migration disabled already: migrate_disable()/enable() take the nested path (one load, one branch, one store)", async () => {
    const outer = await ops("srcu-fast", "task");
    await m.run(0, "migrate_disable");
    let nested;
    try {
      nested = await ops("srcu-fast", "task");
    } finally {
      await m.run(0, "migrate_enable");
    }
    // nested: p->migration_disabled++ / -- only; no preempt_disable/enable, no nr_pinned, no cpus_ptr test
    expect(outer.this_cpu_rmw - nested.this_cpu_rmw).toBe(6);
    expect(nested).toMatchObject({ this_cpu_rmw: 2, call: 3, write_once: 2 });
    expect(outer.read_once - nested.read_once).toBe(1); // the outermost enable's p->cpus_ptr load
    expect(outer.branch - nested.branch).toBe(4); // two preempt_enable tests, the WARN and the cpus_ptr test
  });

  it("noinstr+lockdep checks rcu_is_watching() even with the key off, and counts a usage error where RCU is not watching", async () => {
    const before = m.usageErrors(0)["not-watching"];
    const o = await opCountsPerCall(m, strategy("noinstr+lockdep"), "idle", tps[0], 100);
    expect(o.call).toBe(1);
    expect(m.usageErrors(0)["not-watching"] - before).toBe(100);
    const t = await ops("noinstr+lockdep", "task");
    expect(m.usageErrors(0)["not-watching"] - before).toBe(100); // none from task context
    expect(t.call).toBe(2); // rcu_is_watching() and the static call of the probe
  });

  it("the emulator's usage-error counter is no kernel op: a WARN_ONCE after its first hit is one load and one branch", async () => {
    const task = await opCountsPerCall(m, strategy("noinstr+lockdep"), "task", tps[0], 100);
    const idle = await opCountsPerCall(m, strategy("noinstr+lockdep"), "idle", tps[0], 100);
    // key branch, cond (2 loads, branch), rcu_is_watching() (call, 2 preempt RMWs, dynticks load, branch), !watching branch
    expect(task).toMatchObject({ this_cpu_rmw: 2, read_once: 3, branch: 4, call: 1, write_once: 0 });
    // from idle only WARN_ONCE's `!__warned` load and branch more; the counter's increment (an RMW) is not counted
    expect(idle).toMatchObject({ this_cpu_rmw: 2, read_once: 4, branch: 5, call: 1, write_once: 0 });
  });

  it("v6.13 calls one probe directly through static_call, and several through __traceiter_X's loop", async () => {
    const one = await ops("noinstr", "task", 1);
    const three = await ops("noinstr", "task", 3);
    expect(one).toMatchObject({ call: 1, indirect_call: 0 }); // rcu_dereference_raw, data, the direct call
    expect(three).toMatchObject({ call: 1, indirect_call: 3 }); // the call to __traceiter_X, then its loop
    expect(three.read_once - one.read_once).toBe(10); // __traceiter_X re-reads funcs (1), then 3 x (func, data) and 3 terminator tests (9)
  });

  it("each probe adds one indirect call", async () => {
    const one = await ops("plain", "task", 1);
    const three = await ops("plain", "task", 3);
    expect(three.indirect_call - one.indirect_call).toBe(2);
  });

  it("every strategy's count is a whole number per call (no stray op in the loop)", async () => {
    for (const s of STRATEGIES) {
      for (const ctx of ["task", "idle"] as const) {
        const o = await ops(s.name, ctx);
        for (const [k, v] of Object.entries(o)) expect({ s: s.name, ctx, k, whole: Number.isInteger(v) }).toEqual({ s: s.name, ctx, k, whole: true });
      }
    }
  });
});

describe("the strategy table (runStrategyBench)", () => {
  it("measures off once per context and scope, not once per probe count: one row each, with 0 probes", async () => {
    const p = parseProfile(fs.readFileSync(new URL("../profiles/amd-epyc-zen5-2vcpu.json", import.meta.url), "utf8"), "shipped");
    const bench = async (o: Parameters<typeof runStrategyBench>[3]) => {
      // fresh machines: the bench defines its tracepoints on both
      const [rel, cnt] = await Promise.all([Machine.create({ cpus: 1 }), Machine.create({ cpus: 1, build: "counting" })]);
      try {
        return await runStrategyBench(rel, cnt, p, { iterations: 1000, reps: 1, ...o });
      } finally {
        await Promise.all([rel.close(), cnt.close()]);
      }
    };
    const r = await bench({ strategies: ["off", "plain"] });
    const off = r.rows.filter((x) => x.strategy === "off");
    expect(off.map((x) => `${x.context}/${x.scope}/${x.probes}`)).toEqual(["task/1 CPU/0", "idle/1 CPU/0"]);
    expect(r.rows.filter((x) => x.strategy === "plain")).toHaveLength(2 * 3); // two contexts x 0, 1, 3 probes
    // also when the probe counts asked for do not include 0
    const r1 = await bench({ strategies: ["off"], probes: [1, 3], contexts: ["task"] });
    expect(r1.rows.map((x) => x.probes)).toEqual([0]);
  });
});

describe("modeled cycles with the shipped profile rank the strategies as the native table does", () => {
  it("task context: plain < srcu-fast, rcuidle-watching < rcuidle-srcu < rcuidle-irq < rcuidle-srcu-irq; rcuidle-irq from task nearly as dear as from idle", async () => {
    const p = parseProfile(fs.readFileSync(new URL("../profiles/amd-epyc-zen5-2vcpu.json", import.meta.url), "utf8"), "shipped");
    const c = async (n: string, ctx: "task" | "idle" = "task") => modeledCycles(await ops(n, ctx), p);
    const plain = await c("plain"), fast = await c("srcu-fast"), watching = await c("rcuidle-watching");
    expect(await c("noinstr")).toBeLessThan(await c("noinstr+lockdep"));
    const srcu = await c("rcuidle-srcu"), irq = await c("rcuidle-irq"), both = await c("rcuidle-srcu-irq");
    expect(plain).toBeLessThan(fast);
    expect(plain).toBeLessThan(watching);
    expect(Math.max(fast, watching)).toBeLessThan(srcu);
    expect(srcu).toBeLessThan(irq);
    expect(irq).toBeLessThan(both);
    const irqIdle = await c("rcuidle-irq", "idle");
    expect(irq / irqIdle).toBeGreaterThan(0.6); // the irq save/restore pairs dominate
    expect(irq).toBeGreaterThan(3 * plain);
  });
});
