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

