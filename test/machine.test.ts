import { describe, expect, it } from "vitest";
import { CpuError, DeadlineError, Machine, MachineClosedError, checkLayout, checkPerCpuOwnership, maxCpus, type Layout } from "../dist/bindings/index.js";
import { useMachines } from "./helpers.js";

const create = useMachines();

describe("shared memory across CPU workers", () => {
  it("CPUs each doing 10^7 atomic_add_return on one shared word leave the exact total", async () => {
    for (const cpus of [2, 3]) {
      const m = await create(cpus);
      m.writeSharedWord(0, 0);
      const res = await m.runAll("bench_atomic_add_return_shared", [10_000_000, 0], { barrier: true });
      expect(res.map((r) => r.cpu)).toEqual([...Array(cpus).keys()]);
      expect(m.readSharedWord(0)).toBe(cpus * 10_000_000);
    }
  });

  it("the same count with a plain load+add+store (broken variant) loses updates, so the exact-total check can fail", async () => {
    const m = await create(2);
    let lost = 0;
    for (let attempt = 0; attempt < 5 && lost === 0; attempt++) {
      m.writeSharedWord(1, 0);
      await m.runAll("selftest_plain_inc_shared", [10_000_000, 1], { barrier: true });
      lost = 2 * 10_000_000 - m.readSharedWord(1);
    }
    expect(lost).toBeGreaterThan(0);
  });

  it("this_cpu_inc on each CPU's own slot is exact while all CPUs run", async () => {
    const m = await create(2);
    await m.runAll("bench_this_cpu_inc", [1_000_000], { barrier: true });
    const again = await m.runAll("bench_this_cpu_inc", [1_000_000], { barrier: true });
    expect(again.map((r) => r.value)).toEqual([2_000_000, 2_000_000]);
  });

  it("each CPU's per-CPU area is its own: every word a CPU fills is found intact, and the NULL page is untouched", async () => {
    const cpus = 4;
    const m = await create(cpus);
    const pattern = (cpu: number) => (0xc0de0000 | cpu) >>> 0;
    await m.runAll("selftest_fill_percpu", (cpu) => [pattern(cpu)], { barrier: true });
    expect(checkPerCpuOwnership(m.memory.buffer, m.layout, cpus, pattern)).toEqual([]);
  });

  it("the ownership check fails when two CPUs share an area (broken variant: CPU 1 writes into CPU 0's area)", async () => {
    const cpus = 2;
    const m = await create(cpus);
    const pattern = (cpu: number) => (0xc0de0000 | cpu) >>> 0;
    await m.runAll("selftest_fill_percpu", (cpu) => [pattern(cpu)]);
    const u32 = new Uint32Array(m.memory.buffer);
    u32[(m.layout.PERCPU_BASE + m.layout.PCPU_COUNTER) >> 2] = pattern(1); // an overlapping layout would do this
    const problems = checkPerCpuOwnership(m.memory.buffer, m.layout, cpus, pattern);
    expect(problems.join("\n")).toMatch(/CPU 0's area: 1 words not its own .*0xc0de0001/);
  });

  it("the layout has disjoint regions and each hot per-CPU field on its own cache line", async () => {
    const m = await create(1);
    expect(checkLayout(m.layout, maxCpus(m.layout))).toEqual([]);
    // Broken variants: the check must catch them.
    const overlap: Layout = { ...m.layout, PCPU_COUNTER: m.layout.PCPU_MB_SCRATCH + 4 };
    expect(checkLayout(overlap, 2).join("\n")).toMatch(/PCPU_COUNTER .* does not start a cache line/);
    const sameLine: Layout = { ...m.layout, PCPU_COUNTER: m.layout.PCPU_MB_SCRATCH };
    expect(checkLayout(sameLine, 2).join("\n")).toMatch(/PCPU_COUNTER shares cache line/);
    const squeezed: Layout = { ...m.layout, PERCPU_BASE: m.layout.MAILBOX_BASE + 64 };
    expect(checkLayout(squeezed, 2).join("\n")).toMatch(/per-CPU areas .* overlaps mailboxes/);
  });
});

describe("op counts (counting build) and the release build", () => {
  it("counts exactly one atomic RMW per atomic_add_return and one smp_mb per barrier", async () => {
    const m = await create(2, { build: "counting" });
    await m.run(0, "bench_atomic_add_return", [1000]);
    await m.run(1, "bench_smp_mb", [777]);
    await m.run(1, "bench_this_cpu_inc", [5]);
    expect(m.opCounts(0)).toMatchObject({ atomic_rmw: 1000, smp_mb: 0, this_cpu_rmw: 0 });
    expect(m.opCounts(1)).toMatchObject({ atomic_rmw: 0, smp_mb: 777, this_cpu_rmw: 5 });
    await m.run(0, "bench_indirect_call", [9, m.functionIndex("probe_empty")]);
    expect(m.opCounts(0).indirect_call).toBe(9);
  });

  it("the release build carries no counting: its counters stay zero", async () => {
    const m = await create(1);
    await m.run(0, "bench_atomic_add_return", [1000]);
    expect(Object.values(m.opCounts(0)).every((v) => v === 0)).toBe(true);
  });

  it("cpu_init leaves each CPU with the x86 boot preempt count (PREEMPT_ENABLED) and its id", async () => {
    const m = await create(3);
    const u32 = new Uint32Array(m.memory.buffer);
    for (let cpu = 0; cpu < 3; cpu++) {
      const base = m.layout.PERCPU_BASE + cpu * m.layout.PERCPU_STRIDE;
      expect(u32[(base + m.layout.PCPU_CPU_ID) >> 2]).toBe(cpu);
      expect(u32[(base + m.layout.PCPU_PREEMPT_COUNT) >> 2]).toBe(m.layout.PREEMPT_ENABLED);
    }
  });
});

describe("lifecycle", () => {
  it("create, run, close; close twice; a call after close fails clearly", async () => {
    const m = await create(2);
    const r = await m.run(1, "bench_smp_mb", [1000]);
    expect(r).toMatchObject({ cpu: 1, command: "bench_smp_mb", value: 1000 });
    expect(r.elapsedNs).toBeGreaterThan(0);
    await m.close();
    await m.close();
    expect(m.closed).toBe(true);
    await expect(m.run(0, "bench_smp_mb", [1])).rejects.toThrow(MachineClosedError);
    await expect(m.run(0, "bench_smp_mb", [1])).rejects.toThrow(/machine is closed/);
    await expect(m.runAll("bench_smp_mb", [1])).rejects.toThrow(MachineClosedError);
  });

  it("a worker error surfaces with its CPU id and the other CPUs keep working", async () => {
    const m = await create(2);
    const err = await m.run(1, "selftest_trap").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CpuError);
    expect((err as CpuError).cpu).toBe(1);
    expect(String(err)).toMatch(/CPU 1: command 'selftest_trap' failed: RuntimeError: unreachable/);
    expect((await m.run(0, "bench_smp_mb", [10])).value).toBe(10);
    expect((await m.run(1, "bench_smp_mb", [10])).value).toBe(10); // a trap does not kill the CPU
  });

  it("a command that never finishes hits its deadline with an error naming the CPU and the command, and close() still ends it", async () => {
    const m = await create(2);
    m.writeSharedWord(3, 0);
    const t0 = Date.now();
    const err = await m.run(1, "selftest_spin_until_set", [3], { deadlineMs: 300 }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(err).toBeInstanceOf(DeadlineError);
    expect(String(err)).toMatch(/CPU 1: command 'selftest_spin_until_set' did not finish within its deadline of 300 ms/);
    await expect(m.run(1, "bench_smp_mb", [1])).rejects.toThrow(/CPU 1: .* cannot take commands: stuck in 'selftest_spin_until_set'/);
    expect((await m.run(0, "bench_smp_mb", [5])).value).toBe(5);
    await m.close();
  });

  it("the spin command does finish once its word is set (the deadline test is not a broken command)", async () => {
    const m = await create(1);
    m.writeSharedWord(4, 0);
    const p = m.run(0, "selftest_spin_until_set", [4], { deadlineMs: 10_000 });
    setTimeout(() => m.writeSharedWord(4, 1), 50);
    await expect(p).resolves.toMatchObject({ cpu: 0 });
  });
});

describe("bad input", () => {
  it.each([0, -1, 1.5, NaN, Infinity, "2", null, undefined, 65, 1e6])("cpus = %s is a RangeError stating the allowed range", async (cpus) => {
    await expect(Machine.create({ cpus: cpus as number })).rejects.toThrow(RangeError);
    await expect(Machine.create({ cpus: cpus as number })).rejects.toThrow(/cpus must be an integer in 1\.\.64/);
  });

  it("an unknown command, a missing CPU and bad arguments are clear errors", async () => {
    const m = await create(2);
    await expect(m.run(0, "no_such_command")).rejects.toThrow(/unknown command 'no_such_command' for CPU 0; expected one of: .*bench_smp_mb/);
    await expect(m.run(2, "bench_smp_mb", [1])).rejects.toThrow(/CPU 2 does not exist: expected an integer in 0\.\.1/);
    await expect(m.run(0, "bench_smp_mb", [1, 2, 3, 4, 5])).rejects.toThrow(/at most 4 numeric arguments/);
    await expect(m.runAll("nope")).rejects.toThrow(/unknown command 'nope'/);
    expect(() => m.functionIndex("probe_nope")).toThrow(/no function 'probe_nope'.*probe_empty/);
  });

  it("bad options: build and deadline", async () => {
    await expect(Machine.create({ cpus: 1, build: "debug" as "release" })).rejects.toThrow(/build must be "release", "counting" or "tracing"/);
    await expect(Machine.create({ cpus: 1, deadlineMs: -5 })).rejects.toThrow(/deadlineMs must be a positive number/);
  });
});
