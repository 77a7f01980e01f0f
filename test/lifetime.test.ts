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

  it("a machine boots from node --input-type=module -e (the workers do not inherit the script-input options)", () => {
    const index = new URL("../dist/bindings/index.js", import.meta.url).href;
    const code = `import(${JSON.stringify(index)}).then(async ({ Machine }) => {
      const m = await Machine.create({ cpus: 2 });
      const r = await m.run(1, "bench_smp_mb", [10]);
      await m.close();
      console.log("booted, CPU 1 ran bench_smp_mb:", r.cpu);
    });`;
    // --stack-size: a V8 option Node refuses in a worker's explicit execArgv (the workers must not get it either)
    const r = spawnSync(process.execPath, ["--stack-size=900", "--input-type=module", "-e", code], { encoding: "utf8", timeout: 100_000 });
    expect(r.signal, "the script hung").toBeNull();
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("booted, CPU 1 ran bench_smp_mb: 1\n");
    expect(r.status).toBe(0);
  });
});
