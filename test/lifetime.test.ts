// An idle machine does not keep the process alive (a script that forgets close() exits),
// while a command in flight or a host wait does (the script's awaits all complete).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

describe("process lifetime", () => {
  it("a script that never calls close() exits 0 after its last await", () => {
    const script = fileURLToPath(new URL("./fixtures/no-close.mjs", import.meta.url));
    // The timeout only turns a hang into a failure; it is not a performance bound.
    const r = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 100_000 });
    expect(r.signal, "the script hung: an idle machine kept the process alive").toBeNull();
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0); // 13 would mean an await was cut short (nothing held the event loop)
    expect(r.stdout).toBe("long command returned 20000000\ncallback ran\ndone, no close()\n");
  });
});
