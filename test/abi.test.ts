// The module's constants and the bindings' names of them (bindings/abi/constants.ts): the
// real module agrees, and each kind of disagreement is caught (broken variants).
import { describe, expect, it } from "vitest";
import { readLayout } from "../dist/bindings/index.js";
import { constantsProblems } from "../dist/bindings/abi/constants.js";
import { nodePlatform } from "../dist/bindings/platform/node.js";

async function layoutOf(build: "release" | "counting") {
  nodePlatform.prepareEngine();
  return readLayout(await WebAssembly.compile(await nodePlatform.loadWasm(build)));
}

describe("constants shared with the module", () => {
  it("the release and counting builds number usage kinds, op kinds and fault bits as the bindings name them", async () => {
    for (const b of ["release", "counting"] as const) expect(constantsProblems(await layoutOf(b))).toEqual([]);
  });

  it("a reordered kind, a shared fault bit, an unnamed fault and a count mismatch are each refused", async () => {
    const L = await layoutOf("release");
    expect(constantsProblems({ ...L, USAGE_EQS_ENTER: L.USAGE_EQS_EXIT, USAGE_EQS_EXIT: L.USAGE_EQS_ENTER }).join("\n")).toMatch(/USAGE_EQS_ENTER is \d+ in the module; the bindings expect/);
    expect(constantsProblems({ ...L, FAULT_SRCU_NO_FLIP: L.FAULT_GP_SKIP_CPU }).join("\n")).toMatch(/FAULT_SRCU_NO_FLIP = \d+ is not a distinct single bit/);
    expect(constantsProblems({ ...L, FAULT_NEW_THING: 1 << 20 }).join("\n")).toMatch(/exports FAULT_NEW_THING, which bindings\/abi\/constants.ts does not name/);
    expect(constantsProblems({ ...L, NR_OP_KINDS: L.NR_OP_KINDS + 1 }).join("\n")).toMatch(/the module has \d+ op kinds, the bindings know/);
  });
});
