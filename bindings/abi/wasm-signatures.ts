// Parameter types of a module's exported functions. The WebAssembly JS API does not expose
// them (WebAssembly.Module.exports() gives names and kinds only), so they are read from
// the binary: the type section (function types), the import section (imported functions
// come first in the function index space), the function section (each defined function's
// type) and the export section; and, where the build embedded it (scripts/build.mjs, custom
// section "rcu-lab.params"), each parameter's name and AssemblyScript type, which says
// what the binary's i32 does not: whether it is signed (i32) or unsigned (u32). The host checks every command's arguments against them
// before posting (machine/contexts.ts), because the JS-to-wasm conversion wraps silently
// (ToInt32 turns -1 into 4294967295 iterations of a u32 loop, 1.7 into 1, Infinity into 0).

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "ref";

const VALTYPE: Record<number, ValType> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "ref", 0x6f: "ref" };
const SECTION = { custom: 0, type: 1, import: 2, function: 3, export: 7 };
export const PARAMS_SECTION = "rcu-lab.params";

class Reader {
  p = 0;
  constructor(readonly b: Uint8Array) {}
  u8(): number {
    if (this.p >= this.b.length) throw new Error("truncated WebAssembly module");
    return this.b[this.p++];
  }
  u32(): number {
    let r = 0, s = 0, x: number;
    do {
      x = this.u8();
      r += (x & 0x7f) * 2 ** s;
      s += 7;
    } while (x & 0x80);
    return r;
  }
  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.b.subarray(this.p, this.p + n));
    this.p += n;
    return s;
  }
  valtype(): ValType {
    const t = this.u8();
    const v = VALTYPE[t];
    if (!v) throw new Error(`unsupported value type 0x${t.toString(16)} in a function signature`);
    return v;
  }
  limits(): void {
    const flags = this.u8();
    this.u32();
    if (flags & 1) this.u32();
  }
}

/** A declared argument: its name (for error messages) and type. */
export interface ArgSpec {
  readonly name: string;
  readonly type: "i32" | "u32" | "bool" | "i64" | "u64" | "f32" | "f64";
}

const AS_TYPES: Record<string, ArgSpec["type"]> = {
  i8: "i32", i16: "i32", i32: "i32", u8: "u32", u16: "u32", u32: "u32", usize: "u32", isize: "i32", bool: "bool", i64: "i64", u64: "u64", f32: "f32", f64: "f64",
};

/**
 * Exported function name -> its parameters, read from the module's bytes: named and typed
 * as declared in the source when the build embedded them, else the binary's value types.
 */
export function exportedParams(bytes: Uint8Array): Map<string, readonly (ArgSpec | ValType)[]> {
  const binary = binaryParams(bytes);
  const declared = declaredParams(bytes);
  if (!declared) return binary;
  const out = new Map<string, readonly (ArgSpec | ValType)[]>();
  for (const [name, types] of binary) {
    const d = declared[name];
    const ok = d && d.length === types.length && d.every(([, t]) => AS_TYPES[t] !== undefined);
    out.set(name, ok ? d.map(([n, t]) => ({ name: n, type: AS_TYPES[t] })) : types);
  }
  return out;
}

/** The build's "rcu-lab.params" custom section: function -> [[param name, AssemblyScript type]]. */
function declaredParams(bytes: Uint8Array): Record<string, [string, string][]> | undefined {
  const r = new Reader(bytes);
  r.p = 8;
  while (r.p < bytes.length) {
    const id = r.u8();
    const size = r.u32();
    const end = r.p + size;
    if (id === SECTION.custom) {
      const s = new Reader(bytes.subarray(r.p, end));
      if (s.name() === PARAMS_SECTION) return JSON.parse(new TextDecoder().decode(s.b.subarray(s.p))) as Record<string, [string, string][]>;
    }
    r.p = end;
  }
  return undefined;
}

/** Exported function name -> its parameter value types (the binary's type section). */
export function binaryParams(bytes: Uint8Array): Map<string, readonly ValType[]> {
  const r = new Reader(bytes);
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error("not a WebAssembly binary (bad magic)");
  }
  r.p = 8;
  const types: ValType[][] = [];
  const funcTypes: number[] = []; // function index -> type index (imports first)
  const out = new Map<string, readonly ValType[]>();
  while (r.p < bytes.length) {
    const id = r.u8();
    const size = r.u32();
    const end = r.p + size;
    const s = new Reader(bytes.subarray(r.p, end));
    if (id === SECTION.type) {
      for (let n = s.u32(); n > 0; n--) {
        const form = s.u8();
        if (form !== 0x60) throw new Error(`unsupported type form 0x${form.toString(16)} (only function types are read)`);
        const params = Array.from({ length: s.u32() }, () => s.valtype());
        for (let k = s.u32(); k > 0; k--) s.valtype();
        types.push(params);
      }
    } else if (id === SECTION.import) {
      for (let n = s.u32(); n > 0; n--) {
        s.name();
        s.name();
        const kind = s.u8();
        if (kind === 0) funcTypes.push(s.u32());
        else if (kind === 1) (s.u8(), s.limits());
        else if (kind === 2) s.limits();
        else if (kind === 3) (s.u8(), s.u8());
        else (s.u8(), s.u32()); // tag: attribute, type index
      }
    } else if (id === SECTION.function) {
      for (let n = s.u32(); n > 0; n--) funcTypes.push(s.u32());
    } else if (id === SECTION.export) {
      for (let n = s.u32(); n > 0; n--) {
        const name = s.name(), kind = s.u8(), index = s.u32();
        if (kind === 0) out.set(name, types[funcTypes[index]] ?? []);
      }
    }
    r.p = end;
  }
  return out;
}

const I32_MIN = -(2 ** 31), I32_MAX = 2 ** 31 - 1, U32_MAX = 2 ** 32 - 1;

/**
 * What is wrong with `value` as argument `position` (1-based) of `command`, declared `spec`;
 * undefined when it is fine.
 */
export function argProblem(command: string, position: number, spec: ArgSpec | ValType, value: unknown): string | undefined {
  // A bare value type (no declaration embedded): an i32 may be signed or unsigned, so both ranges pass.
  const type = typeof spec === "string" ? (spec === "i32" ? "i32 (signed or unsigned)" : spec) : spec.type;
  const label = typeof spec === "string" ? `argument ${position}` : `argument ${position} (${spec.name})`;
  const got = typeof value === "number" ? String(value) : `${typeof value} ${JSON.stringify(value)}`;
  const bad = (expected: string) => `'${command}' ${label} must be ${expected}; got ${got}`;
  if (typeof value !== "number") return bad(`a number (${type})`);
  switch (type) {
    case "i32 (signed or unsigned)":
      return Number.isInteger(value) && value >= I32_MIN && value <= U32_MAX ? undefined : bad(`an integer in ${I32_MIN}..${U32_MAX} (i32)`);
    case "i32":
      return Number.isInteger(value) && value >= I32_MIN && value <= I32_MAX ? undefined : bad(`an integer in ${I32_MIN}..${I32_MAX} (i32)`);
    case "u32":
      return Number.isInteger(value) && value >= 0 && value <= U32_MAX ? undefined : bad(`an integer in 0..${U32_MAX} (u32)`);
    case "bool":
      return value === 0 || value === 1 ? undefined : bad("0 or 1 (bool)");
    case "i64":
    case "u64":
      return Number.isSafeInteger(value) && (type === "i64" || value >= 0)
        ? undefined
        : bad(`an integer in ${type === "i64" ? Number.MIN_SAFE_INTEGER : 0}..${Number.MAX_SAFE_INTEGER} (${type}, within the range a number holds exactly)`);
    case "f32":
    case "f64":
      return Number.isFinite(value) ? undefined : bad(`a finite number (${type})`);
    default:
      return bad(`a value of a type the mailbox cannot carry (${type})`);
  }
}
