// The probe call stays a call (assembly/tracepoint/probe_call.ts, scripts/no-inline.mjs):
// readers call the known probes directly, and the build keeps Binaryen from inlining them,
// so the emulated tracepoint executes a call and a return as the kernel's does.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";
import { describe, expect, it } from "vitest";
import { NO_INLINE_FUNCTIONS, keepCalls } from "../scripts/no-inline.mjs";
import { useMachines } from "./helpers.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The text of each function of `wat` whose name starts with `prefix`, by name. */
function functions(wat: string, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  const starts = [...wat.matchAll(/^ \(func \$(\S+)/gm)];
  for (let i = 0; i < starts.length; i++) {
    const name = starts[i][1];
    if (!name.startsWith(prefix)) continue;
    out.set(name, wat.slice(starts[i].index, i + 1 < starts.length ? starts[i + 1].index : wat.length));
  }
  return out;
}

/** How often `body` calls function `callee` directly. */
const directCalls = (body: string, callee: string) => body.split(`call $${callee}\n`).length - 1;

/** A reader of the probe_call.ts shape: the known probe called directly, any other index through the table. */
const READER = `
let all_ones: u32 = 0;
export function probe_empty(data: u32, arg: u32): void { if (data == 0xffffffff) all_ones++; }
export function reader(n: u32, fn: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    if (fn == 7) probe_empty(0, i);
    else call_indirect<void>(fn, 0, i);
  }
}
`;

/** Compile READER at -O3 as the build does, with or without the no-inline transform; the text of `reader`. */
async function compileReader(keep: boolean): Promise<string> {
  const files: Record<string, string> = {};
  const { error } = await asc.main(["input.ts", "--outFile", "out.wasm", "--textFile", "out.wat", "-O3", "--runtime", "stub", "--noAssert"], {
    readFile: (name: string) => (name === "input.ts" ? READER : null),
    writeFile: (name: string, contents: Uint8Array | string) => {
      files[name] = typeof contents === "string" ? contents : "";
    },
    listFiles: () => [],
    stdout: asc.createMemoryStream(),
    stderr: asc.createMemoryStream(),
    transforms: keep ? [keepCalls(["probe_empty"])] : [],
  });
  if (error) throw error;
  const reader = functions(files["out.wat"], "input/reader").get("input/reader");
  if (!reader) throw new Error("no reader function in the compiled text");
  return reader;
}

describe("the probe call stays a call (scripts/no-inline.mjs)", () => {
  it("with the transform, -O3 keeps the direct call of the empty probe", async () => {
    expect(directCalls(await compileReader(true), "input/probe_empty")).toBe(1);
  }, 60_000);

  it("broken variant: without it, Binaryen inlines the probe and no call is left", async () => {
    expect(directCalls(await compileReader(false), "input/probe_empty")).toBe(0);
  }, 60_000);

  it("the transform fails the build for a name that matches no function", async () => {
    await expect(async () => {
      const { error } = await asc.main(["input.ts", "--outFile", "out.wasm", "-O3", "--runtime", "stub"], {
        readFile: (name: string) => (name === "input.ts" ? READER : null),
        writeFile: () => {},
        listFiles: () => [],
        stdout: asc.createMemoryStream(),
        stderr: asc.createMemoryStream(),
        transforms: [keepCalls(["probe_nonexistent"])],
      });
      if (error) throw error;
    }).rejects.toThrow(/no-inline: 'probe_nonexistent' names 0 functions/);
  }, 60_000);

  it("every strategy loop of the release build calls the known probes directly and any other through the table", () => {
    const wat = fs.readFileSync(path.join(root, "build/rcu-lab.wat"), "utf8");
    const loops = functions(wat, "assembly/tracepoint/loops/trace_loop_");
    expect([...loops.keys()].length).toBeGreaterThanOrEqual(8);
    for (const [name, body] of loops) {
      for (const probe of NO_INLINE_FUNCTIONS) {
        expect(directCalls(body, `assembly/tracepoint/probes/${probe}`), `${name} calls ${probe}`).toBeGreaterThan(0);
      }
      expect(body.includes("call_indirect"), `${name} keeps call_indirect for the other probes`).toBe(true);
    }
  });
});

const machine = useMachines({ deadlineMs: 20_000 });

describe("the dispatch runs the registered probes, known or not (assembly/tracepoint/probe_call.ts)", () => {
  it("the empty probe called directly gets its data: with 0xffffffff it counts every call, with 0 none", async () => {
    const m = await machine(2);
    const L = m.layout;
    const ones = L.PCPU_PROBE_STATS + L.PRS_EMPTY_ALL_ONES;
    const tp = m.tracepoints.define("ev_empty");
    tp.register("empty", 0);
    await m.run(1, "trace_loop_plain", [1000, tp.id, 3]);
    expect(m.readPerCpuU32(1, ones)).toBe(0);
    tp.register("empty", 0xffffffff);
    await m.run(1, "trace_loop_srcu_fast", [500, tp.id, 3]); // two probes: __traceiter_X's loop
    await m.run(1, "trace_loop_plain", [1000, tp.id, 3]);
    expect(m.readPerCpuU32(1, ones)).toBe(1500);
  });
});

