import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { checkWasm, textToWasm } from "../scripts/wasm-check.mjs";

const MEM = `(import "env" "memory" (memory 1 16 shared))`;
const build = (f: string) => fs.readFileSync(new URL(`../build/${f}`, import.meta.url));

describe("the build check of the shared-memory rules", () => {
  it("accepts the builds of rcu-lab (release, counting, tracing)", () => {
    expect(checkWasm(build("rcu-lab.wasm"))).toEqual([]);
    expect(checkWasm(build("rcu-lab.counting.wasm"))).toEqual([]);
    expect(checkWasm(build("rcu-lab.tracing.wasm"))).toEqual([]);
  });

  it("accepts a minimal module that follows the rules (the check is not a blanket no)", () => {
    expect(checkWasm(textToWasm(`(module ${MEM} (func (export "f") (drop (i32.atomic.rmw.add (i32.const 64) (i32.const 0)))))`))).toEqual([]);
  });

  it("rejects a data segment", () => {
    const w = textToWasm(`(module ${MEM} (data (i32.const 1024) "shared state"))`);
    expect(checkWasm(w).join("\n")).toMatch(/1 data segment\(s\): each instantiation would re-copy them/);
  });

  it("rejects a start function", () => {
    const w = textToWasm(`(module ${MEM} (func $init) (start $init))`);
    expect(checkWasm(w).join("\n")).toMatch(/start function present/);
  });

  it("rejects a memory that is not shared, and one that is not imported", () => {
    expect(checkWasm(textToWasm(`(module (import "env" "memory" (memory 1 16)))`)).join("\n")).toMatch(/not shared/);
    expect(checkWasm(textToWasm(`(module (memory 1 16 shared))`)).join("\n")).toMatch(/defines its own memory/);
  });

  it("rejects atomic.fence and memory.atomic.wait", () => {
    expect(checkWasm(textToWasm(`(module ${MEM} (func (export "f") (atomic.fence)))`)).join("\n")).toMatch(/forbidden instruction: atomic\.fence/);
    const wait = `(module ${MEM} (func (export "f") (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 0)))))`;
    expect(checkWasm(textToWasm(wait)).join("\n")).toMatch(/forbidden instruction: memory\.atomic\.wait/);
  });

  it("rejects an unexpected import", () => {
    const w = textToWasm(`(module ${MEM} (import "env" "abort" (func (param i32 i32 i32 i32))))`);
    expect(checkWasm(w).join("\n")).toMatch(/unexpected import env\.abort \(function\)/);
  });
});
