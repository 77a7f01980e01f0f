// The stability check of bench/speed.ts: a row is reported only when the middle of its
// per-round ratios is tight; one outlier round does not make it unstable, a drifting series does.
import { describe, expect, it } from "vitest";
import { middleSpread } from "../bench/speed.js";

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
