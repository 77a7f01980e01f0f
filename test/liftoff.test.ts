import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/liftoff-check.mjs", import.meta.url));
const run = (mode: string) => JSON.parse(execFileSync(process.execPath, [fixture, mode], { encoding: "utf8" })) as { wrong: number; calls: number };

// The module never waits inside WebAssembly (the build check rejects memory.atomic.wait),
// and the Node platform also compiles with TurboFan only. These tests show the hazard is
// real on this Node and that the platform's engine setup removes it.
describe("Node 20 Liftoff miscompile after memory.atomic.wait", () => {
  it("with the Node platform's engine setup (--no-liftoff), values survive a wait", () => {
    expect(run("machine")).toEqual({ wrong: 0, calls: 50 });
  });

  it.runIf(process.versions.node.startsWith("20."))("negative control: without it, Node 20 returns wrong sums (the check can fail)", () => {
    expect(run("none").wrong).toBeGreaterThan(0);
  });
});
