// A module specialised for one CPU (docs/performance.md, "per-CPU constants"). The build's
// template (build/rcu-lab.percpu.wasm, scripts/percpu-template.mjs) is the release build
// with every read of this CPU's %gs base and id (assembly/percpu.ts this_cpu_base, this_cpu)
// replaced by an `i32.const` placeholder of 5 bytes; writing one CPU's values over the
// placeholders gives a module whose per-CPU addresses are constants, which V8 folds into each
// access's displacement as the kernel's %gs:disp does. Such a module is that CPU's only:
// set_this_cpu() traps when it is bound to another CPU.

/** The template's custom section naming its placeholders (the same name in scripts/percpu-template.mjs). */
export const PERCPU_SECTION = "rcu-lab.percpu";

interface Placeholder {
  readonly field: "base" | "cpu";
  readonly magic: number;
  readonly sites: number;
}

const SECTION_CUSTOM = 0;
const SECTION_CODE = 10;
const I32_CONST = 0x41;

function readU32(b: Uint8Array, at: { p: number }): number {
  let r = 0, s = 0, x: number;
  do {
    if (at.p >= b.length) throw new Error("per-CPU template: truncated module");
    x = b[at.p++];
    r |= (x & 0x7f) << s;
    s += 7;
  } while (x & 0x80);
  return r >>> 0;
}

/** Signed LEB128 of `v` in exactly 5 bytes (a padded encoding is valid for any i32 immediate). */
export function leb5(v: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 5; i++) out.push(((v >> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0));
  out[4] &= 0x7f;
  if (v < 0) out[4] |= 0x70;
  return out;
}

/** The template's placeholder table and its code section's byte range; undefined if `bytes` is no template. */
export function percpuTemplateInfo(bytes: Uint8Array): { placeholders: Placeholder[]; code: [number, number] } | undefined {
  let placeholders: Placeholder[] | undefined;
  let code: [number, number] | undefined;
  const at = { p: 8 };
  while (at.p < bytes.length) {
    const id = bytes[at.p++];
    const size = readU32(bytes, at);
    const end = at.p + size;
    if (id === SECTION_CODE) code = [at.p, end];
    if (id === SECTION_CUSTOM) {
      const s = { p: at.p };
      const n = readU32(bytes, s);
      if (new TextDecoder().decode(bytes.subarray(s.p, s.p + n)) === PERCPU_SECTION) {
        placeholders = JSON.parse(new TextDecoder().decode(bytes.subarray(s.p + n, end))) as Placeholder[];
      }
    }
    at.p = end;
  }
  return placeholders && code ? { placeholders, code } : undefined;
}

/**
 * The template's bytes with CPU `cpu`'s per-CPU base (`base`, bytes) and id written over the
 * placeholders. Throws if `template` is not a template or a placeholder does not occur
 * exactly as often as the build replaced reads.
 */
export function specialisePercpu(template: Uint8Array, cpu: number, base: number): Uint8Array<ArrayBuffer> {
  const info = percpuTemplateInfo(template);
  if (!info) throw new Error(`per-CPU template: no ${PERCPU_SECTION} section or no code section; expected build/rcu-lab.percpu.wasm (npm run build)`);
  const out = new Uint8Array(template.length);
  out.set(template);
  const [from, to] = info.code;
  for (const ph of info.placeholders) {
    const value = ph.field === "base" ? base : cpu;
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** 27) throw new Error(`per-CPU template: ${ph.field} ${value} out of range; expected an integer in [0, 2^27)`);
    const needle = [I32_CONST, ...leb5(ph.magic)];
    const bytes = leb5(value);
    let found = 0;
    outer: for (let i = from; i + needle.length <= to; i++) {
      for (let j = 0; j < needle.length; j++) if (out[i + j] !== needle[j]) continue outer;
      out.set(bytes, i + 1);
      found++;
      i += needle.length - 1;
    }
    if (found !== ph.sites) throw new Error(`per-CPU template: the ${ph.field} placeholder occurs ${found} times in the code, expected ${ph.sites} (rebuild with npm run build)`);
  }
  return out;
}
