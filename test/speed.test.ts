// The stability check of bench/speed.ts: a row is reported only when the middle of its
// per-round ratios is tight; one outlier round does not make it unstable, a drifting series does.
import { describe, expect, it } from "vitest";
import { middleSpread, renderSpeed, type SpeedReport } from "../bench/speed.js";

describe("bench/speed stability check", () => {
  it("one outlier round on either side does not count: the middle of five rounds is what must hold", () => {
    expect(middleSpread([1.0, 1.01, 1.02, 1.0, 3.0])).toBeLessThan(0.05);
    expect(middleSpread([0.2, 1.01, 1.02, 1.0, 1.03])).toBeLessThan(0.05);
  });
  it("rounds that disagree beyond one outlier are flagged as unstable (> 10%)", () => {
    expect(middleSpread([1.0, 1.3, 1.6, 1.1, 1.45])).toBeGreaterThan(0.1);
  });
  it("broken variant: a spread over the whole range would call a steady series with one outlier unstable", () => {
    const s = [1.0, 1.01, 1.02, 1.0, 3.0].sort((a, b) => a - b);
    expect((s[s.length - 1] - s[0]) / s[2]).toBeGreaterThan(0.1);
  });
});

describe("bench/speed report", () => {
  const report = (inlinesWasmCalls: boolean): SpeedReport => ({
    schema: "rcu-lab/speed@1", compiler: "cc", cpus: 1, iterations: 1000, batches: 5, rounds: 5, roundsRun: 5, tolerance: 0.1, stable: true,
    loadavg: { before: [0, 0, 0], after: [0, 0, 0] }, rows: [], addressing: [], engine: { node: "24.0.0", v8: "13.6", inlinesWasmCalls },
  });
  it("names the engine, and warns where V8 inlines WebAssembly calls (the probe call may not be a call)", () => {
    expect(renderSpeed(report(true))).toMatch(/engine: Node 24\.0\.0, V8 13\.6: V8 inlines WebAssembly calls .* may not be a call/);
    expect(renderSpeed(report(false))).toMatch(/the probe call is a call and a return in V8's code/);
    expect(renderSpeed(report(false))).not.toMatch(/may not be a call/);
  });
});

describe("bench/speed addressing lines", () => {
  const sum = (v: number) => ({ median: v, min: v, max: v, n: 5 });
  const report = (kernelAddressForm?: ReturnType<typeof sum>): SpeedReport => ({
    schema: "rcu-lab/speed@1", compiler: "cc", cpus: 1, iterations: 1000, batches: 5, rounds: 5, roundsRun: 5, tolerance: 0.1, stable: true,
    loadavg: { before: [0, 0, 0], after: [0, 0, 0] }, rows: [], engine: { node: "20.0.0", v8: "11.3", inlinesWasmCalls: false },
    addressing: [{ row: "plain/task", kernelForm: sum(1.4), indexedForm: sum(4.2), ...(kernelAddressForm ? { kernelAddressForm } : {}), wasm: sum(3.1) }],
  });
  it("names the stand-in's own address form (%fs:disp), not the kernel's, and prints the @gs-rip row (the kernel's %gs:x(%rip)) where it was measured", () => {
    expect(renderSpeed(report(sum(3.6)))).toMatch(/4\.20 \[4\.20-4\.20\] ns, against 1\.40 \[1\.40-1\.40\] ns in the stand-in's %fs:disp form and 3\.60 \[3\.60-3\.60\] ns in the kernel's %gs:x\(%rip\) form; wasm 3\.10/);
    expect(renderSpeed(report())).toMatch(/in the stand-in's %fs:disp form; wasm 3\.10/);
    expect(renderSpeed(report())).not.toMatch(/%gs/);
  });
});
