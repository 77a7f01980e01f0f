import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Machine } from "../dist/bindings/index.js";
import { STRATEGIES, defineBenchTracepoints, opCountsPerCall, strategy } from "../dist/bindings/index.js";
import { modeledCycles, parseProfile } from "../dist/bindings/index.js";
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

describe("op counts per call (counting build, one empty probe)", () => {
  it("off: one branch (the static key), nothing else", async () => {
    expect(await ops("off", "task")).toMatchObject({ branch: 1, read_once: 0, atomic_rmw: 0, smp_mb: 0, indirect_call: 0 });
  });

  it("plain: no atomics, no barriers, one indirect call; the preempt count twice", async () => {
    const o = await ops("plain", "task");
    expect(o).toMatchObject({ atomic_rmw: 0, smp_mb: 0, irq_save: 0, irq_restore: 0, indirect_call: 1, this_cpu_rmw: 2, call: 0 });
  });

  it("rcuidle-irq costs two atomic RMWs on dynticks per call from idle, none from task context, and two irq save/restore pairs in both", async () => {
    const idle = await ops("rcuidle-irq", "idle");
    const task = await ops("rcuidle-irq", "task");
    expect(idle).toMatchObject({ atomic_rmw: 2, smp_mb: 0, irq_save: 2, irq_restore: 2, call: 4 });
    expect(task).toMatchObject({ atomic_rmw: 0, smp_mb: 0, irq_save: 2, irq_restore: 2, call: 4 });
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

  it("rcuidle-srcu-irq pays both: two barriers always, two atomics from idle", async () => {
    expect(await ops("rcuidle-srcu-irq", "task")).toMatchObject({ smp_mb: 2, atomic_rmw: 0, irq_save: 2, irq_restore: 2 });
    expect(await ops("rcuidle-srcu-irq", "idle")).toMatchObject({ smp_mb: 2, atomic_rmw: 2, irq_save: 2, irq_restore: 2 });
  });

  it("srcu-fast: no barrier and no atomic; four per-CPU increments around the probe (locks, migrate, unlocks)", async () => {
    expect(await ops("srcu-fast", "task")).toMatchObject({ smp_mb: 0, atomic_rmw: 0, irq_save: 0, this_cpu_rmw: 4, indirect_call: 1 });
  });

  it("noinstr+lockdep checks rcu_is_watching() even with the key off, and counts a usage error where RCU is not watching", async () => {
    const before = m.usageErrors(0)["not-watching"];
    const o = await opCountsPerCall(m, strategy("noinstr+lockdep"), "idle", tps[0], 100);
    expect(o.call).toBe(1);
    expect(m.usageErrors(0)["not-watching"] - before).toBe(100);
    const t = await ops("noinstr+lockdep", "task");
    expect(m.usageErrors(0)["not-watching"] - before).toBe(100); // none from task context
    expect(t.call).toBe(1);
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

describe("modeled cycles with the shipped profile rank the strategies as the native table does", () => {
  it("task context: plain < srcu-fast, rcuidle-watching < rcuidle-srcu < rcuidle-irq < rcuidle-srcu-irq; rcuidle-irq from task nearly as dear as from idle", async () => {
    const p = parseProfile(fs.readFileSync(new URL("../profiles/amd-epyc-zen5-2vcpu.json", import.meta.url), "utf8"), "shipped");
    const c = async (n: string, ctx: "task" | "idle" = "task") => modeledCycles(await ops(n, ctx), p);
    const plain = await c("plain"), fast = await c("srcu-fast"), watching = await c("rcuidle-watching");
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
