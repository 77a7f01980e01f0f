// Machine.run checks each argument against the command's declared parameters before posting:
// the JS-to-wasm conversion would wrap it silently (-1 -> 4294967295 iterations, 2**32+5 -> 5,
// 1.7 -> 1, Infinity -> 0). Declarations come from the module (type section, and the build's
// "rcu-lab.params" section for names and signedness) or from a JavaScript command's own list.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { argProblem, binaryParams, exportedParams } from "../dist/bindings/abi/wasm-signatures.js";
import { textToWasm } from "../scripts/wasm-check.mjs";
import { useMachines } from "./helpers.js";

const machine = useMachines();

describe("Machine.run arguments", () => {
  it.each([
    [[-1], RangeError, /'bench_smp_mb' argument 1 \(n\) must be an integer in 0..4294967295 \(u32\); got -1/],
    [[2 ** 32 + 5], RangeError, /argument 1 \(n\) must be an integer in 0..4294967295 \(u32\); got 4294967301/],
    [[1.7], RangeError, /got 1.7/],
    [[Infinity], RangeError, /got Infinity/],
    [[NaN], RangeError, /got NaN/],
    [["abc"], TypeError, /'bench_smp_mb' argument 1 \(n\) must be a number \(u32\); got string "abc"/],
    [[1, 2], TypeError, /'bench_smp_mb' takes 1 argument \(n: u32\); got 2: \[1,2\]/],
  ])("bench_smp_mb(%j) is refused before posting", async (args, type, msg) => {
    const m = await machine(1);
    const p = m.run(0, "bench_smp_mb", args as number[]);
    await expect(p).rejects.toThrow(type);
    await expect(p).rejects.toThrow(msg);
    expect((await m.run(0, "bench_smp_mb", [7])).value).toBe(7); // the CPU was never touched
  });

  it("runAll checks every CPU's arguments", async () => {
    const m = await machine(2);
    await expect(m.runAll("bench_smp_mb", (cpu) => [cpu === 1 ? -5 : 5])).rejects.toThrow(/got -5/);
  });

  it("JavaScript commands are checked against their own declarations", async () => {
    const m = await machine(1);
    await expect(m.run(0, "js_smp_mb", [-1])).rejects.toThrow(/'js_smp_mb' argument 1 \(iterations\) must be an integer in 0..4294967295 \(u32\)/);
    await expect(m.run(0, "synchronize_rcu", [1])).rejects.toThrow(/'synchronize_rcu' takes 0 arguments \(none\); got 1/);
    await expect(m.run(0, "torture_writer", [Infinity, 0])).rejects.toThrow(/'torture_writer' argument 1 \(durationMs\) must be a finite number \(f64\)/);
    expect((await m.run(0, "js_smp_mb", [3])).value).toBe(3);
  });

  it("every export of the built module has declared, named parameters", () => {
    const bytes = fs.readFileSync(fileURLToPath(new URL("../build/rcu-lab.wasm", import.meta.url)));
    const params = exportedParams(bytes);
    expect(params.get("bench_smp_mb")).toEqual([{ name: "n", type: "u32" }]);
    expect(params.get("gp_start_poll")?.map((p: { type: string }) => p.type)).toEqual(["u32", "u32", "f64"]);
    for (const [name, ps] of params) for (const p of ps) expect(typeof p, `${name} has a bare value type`).toBe("object");
  });
});

describe("the binary parser (broken and bare modules)", () => {
  it("reads value types from a module without the build's section; a bare i32 takes both ranges", () => {
    const wasm = textToWasm(`(module
      (import "env" "f" (func $imp (param i64)))
      (func (export "a") (param i32 f64) (result i32) (local.get 0))
      (func (export "b") (param i64)))`);
    const p = binaryParams(wasm);
    expect(p.get("a")).toEqual(["i32", "f64"]);
    expect(p.get("b")).toEqual(["i64"]);
    expect(exportedParams(wasm).get("a")).toEqual(["i32", "f64"]);
    expect(argProblem("a", 1, "i32", -1)).toBeUndefined();
    expect(argProblem("a", 1, "i32", 2 ** 32 - 1)).toBeUndefined();
    expect(argProblem("a", 1, "i32", 2 ** 32)).toMatch(/'a' argument 1 must be an integer in -2147483648..4294967295 \(i32\); got 4294967296/);
    expect(argProblem("a", 2, "f64", 1e308 * 10)).toMatch(/must be a finite number \(f64\)/);
    expect(argProblem("b", 1, "i64", 2 ** 53)).toMatch(/\(i64, within the range a number holds exactly\)/);
    expect(argProblem("b", 1, { name: "x", type: "i32" }, 2 ** 31)).toMatch(/argument 1 \(x\) must be an integer in -2147483648..2147483647 \(i32\)/);
  });

  it("refuses bytes that are not WebAssembly", () => {
    expect(() => binaryParams(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/not a WebAssembly binary/);
  });
});
