// The per-CPU template of the release build (docs/performance.md, "per-CPU constants"). The
// kernel addresses this CPU's per-CPU data as %gs:disp, a base register plus a constant; the
// module reads its base from a mutable global (assembly/percpu.ts), and V8 then addresses
// every per-CPU access as [memory start + index register], which costs the chains of
// preempt-count increments their store-to-load forwarding speed. The template is the release
// build with every read of the two per-CPU globals (this_cpu_base, this_cpu) replaced by an
// `i32.const` of a placeholder value whose immediate takes the full 5 bytes of a LEB128; the
// host (bindings/abi/percpu-template.ts) writes one CPU's base and id over the placeholders
// (padded to the same 5 bytes, so no offset moves) and compiles one module per CPU, in which
// V8 folds the constant base into each access's displacement. Nothing else changes: the same
// functions, the same exports, the same op counts (the counting build has no template).
import binaryen from "binaryen";

/** The custom section describing the placeholders (read by bindings/abi/percpu-template.ts). */
export const PERCPU_SECTION = "rcu-lab.percpu";

/**
 * The globals replaced, and their placeholders: values in [2^27, 2^31) (a 5-byte signed
 * LEB128), far above any address the module uses (64 MiB of memory at most).
 */
const PLACEHOLDERS = [
  { global: "assembly/percpu/this_cpu_base", field: "base", magic: 0x7c0ffee0 },
  { global: "assembly/percpu/this_cpu", field: "cpu", magic: 0x7c0ffee4 },
];

/** Signed LEB128 of `v` in exactly 5 bytes (padded: valid for any i32 immediate). */
export function leb5(v) {
  const out = [];
  for (let i = 0; i < 5; i++) out.push(((v >> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0));
  out[4] &= 0x7f;
  if (v < 0) out[4] |= 0x70; // sign extension of bits 32-34
  return out;
}

/** How many times `needle` occurs in `hay`. */
export function countBytes(hay, needle) {
  let n = 0;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    n++;
  }
  return n;
}

/**
 * From the release build's text (asc --textFile, Binaryen's printer), the template's binary
 * (without custom sections) and the placeholder table that goes into PERCPU_SECTION.
 */
export function makePercpuTemplate(wat) {
  const table = [];
  let text = wat;
  for (const p of PLACEHOLDERS) {
    const re = new RegExp(`global\\.get \\$${p.global.replace(/\//g, "\\/")}(?![\\w/$.])`, "g");
    let sites = 0;
    text = text.replace(re, () => (sites++, `i32.const ${p.magic}`));
    if (sites === 0) throw new Error(`percpu template: no read of global $${p.global} in the release build's text; expected the per-CPU globals of assembly/percpu.ts`);
    table.push({ field: p.field, magic: p.magic, sites });
  }
  const mod = binaryen.parseText(text);
  try {
    mod.setFeatures(binaryen.Features.All);
    if (!mod.validate()) throw new Error("percpu template: the rewritten module does not validate");
    const bytes = mod.emitBinary();
    for (const t of table) {
      const found = countBytes(bytes, [0x41, ...leb5(t.magic)]);
      if (found !== t.sites) throw new Error(`percpu template: ${t.sites} reads of the ${t.field} global replaced, but the placeholder's bytes occur ${found} times; choose another placeholder value`);
    }
    return { bytes, table };
  } finally {
    mod.dispose();
  }
}
