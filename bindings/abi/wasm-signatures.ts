// Parameter types of a module's exported functions. The WebAssembly JS API does not expose
// them (WebAssembly.Module.exports() gives names and kinds only), so they are read from
// the binary: the type section (function types), the import section (imported functions
// come first in the function index space), the function section (each defined function's
// type) and the export section. The host checks every command's arguments against them
// before posting (machine/contexts.ts), because the JS-to-wasm conversion wraps silently
// (ToInt32 turns -1 into 4294967295 iterations of a u32 loop, 1.7 into 1, Infinity into 0).

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "ref";

const VALTYPE: Record<number, ValType> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "ref", 0x6f: "ref" };
const SECTION = { type: 1, import: 2, function: 3, export: 7 };

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

/** Exported function name -> its parameter types, read from the module's bytes. */
export function exportedParams(bytes: Uint8Array): Map<string, readonly ValType[]> {
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

/** A declared argument: its name (for error messages) and type. */
export interface ArgSpec {
  readonly name: string;
  readonly type: "i32" | "u32" | "i64" | "f64";
}

/** The range an i32 parameter accepts: signed or unsigned 32-bit, as ToInt32 maps both. */
const I32_MIN = -(2 ** 31), U32_MAX = 2 ** 32 - 1;

/**
 * What is wrong with `value` as argument `position` (1-based) of `command`, declared `spec`;
 * undefined when it is fine.
 */
export function argProblem(command: string, position: number, spec: ArgSpec | ValType, value: unknown): string | undefined {
  const type = typeof spec === "string" ? spec : spec.type;
  const label = typeof spec === "string" ? `argument ${position}` : `argument ${position} (${spec.name})`;
  const got = typeof value === "number" ? String(value) : `${typeof value} ${JSON.stringify(value)}`;
  const bad = (expected: string) => `'${command}' ${label} must be ${expected}; got ${got}`;
  if (typeof value !== "number") return bad(`a number (${type})`);
  switch (type) {
    case "i32":
      return Number.isInteger(value) && value >= I32_MIN && value <= U32_MAX ? undefined : bad(`an integer in ${I32_MIN}..${U32_MAX} (i32)`);
    case "u32":
      return Number.isInteger(value) && value >= 0 && value <= U32_MAX ? undefined : bad(`an integer in 0..${U32_MAX} (u32)`);
    case "i64":
      return Number.isSafeInteger(value) ? undefined : bad(`a safe integer in ${Number.MIN_SAFE_INTEGER}..${Number.MAX_SAFE_INTEGER} (i64)`);
    case "f32":
    case "f64":
      return Number.isFinite(value) ? undefined : bad(`a finite number (${type})`);
    default:
      return bad(`a value of a type the mailbox cannot carry (${type})`);
  }
}
