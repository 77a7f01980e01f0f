// The build check of the shared-memory rules of docs/architecture.md. A module instantiated N times over
// one shared memory must not carry anything that each instantiation would redo or that
// would differ per instance: no data segment (re-copied into shared memory at every
// instantiation), no start function, memory imported and shared, only the imports the
// host provides, and none of the instructions the design forbids (atomic.fence: mfence
// instead of the kernel's locked RMW; memory.atomic.wait: Node 20's Liftoff miscompiles
// code after it, and browsers cannot turn Liftoff off).
import binaryen from "binaryen";

/** Imports the host provides to every CPU instance. */
export const ALLOWED_IMPORTS = [
  { module: "env", name: "memory", kind: "memory" },
  { module: "env", name: "table", kind: "table" },
  { module: "env", name: "host_probe", kind: "function" },
];

/** The stepping build (the explorer's) also imports its scheduler. */
export const STEPPING_ALLOWED_IMPORTS = [...ALLOWED_IMPORTS, { module: "env", name: "sched_point", kind: "function" }];

const KIND = ["function", "table", "memory", "global", "tag"];
const SECTION = { import: 2, memory: 5, start: 8, data: 11, dataCount: 12 };
const FORBIDDEN_INSTRUCTIONS = [
  { re: /\batomic\.fence\b/, why: "atomic.fence (V8 emits mfence; smp_mb() must be a locked RMW on a private word)" },
  { re: /\bmemory\.atomic\.wait(32|64)\b/, why: "memory.atomic.wait (Node 20 Liftoff clobbers registers after it; block in JavaScript instead)" },
];

class Reader {
  constructor(bytes) { this.b = bytes; this.p = 0; }
  u8() { if (this.p >= this.b.length) throw new Error("truncated module"); return this.b[this.p++]; }
  u32() { let r = 0, s = 0, x; do { x = this.u8(); r |= (x & 0x7f) << s; s += 7; } while (x & 0x80); return r >>> 0; }
  name() { const n = this.u32(); const s = new TextDecoder().decode(this.b.subarray(this.p, this.p + n)); this.p += n; return s; }
  limits() { const flags = this.u8(); const min = this.u32(); const max = flags & 1 ? this.u32() : undefined; return { flags, min, max, shared: (flags & 2) !== 0 }; }
}

/** Returns the list of rule violations of a .wasm binary (empty when it is fit). */
export function checkWasm(bytes, { allowedImports = ALLOWED_IMPORTS } = {}) {
  const problems = [];
  const r = new Reader(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  if (r.b.length < 8 || r.b[0] !== 0 || r.b[1] !== 0x61 || r.b[2] !== 0x73 || r.b[3] !== 0x6d) {
    return ["not a WebAssembly binary (bad magic)"];
  }
  r.p = 8;
  let importedMemory = null;
  while (r.p < r.b.length) {
    const id = r.u8();
    const size = r.u32();
    const end = r.p + size;
    const s = new Reader(r.b.subarray(r.p, end));
    if (id === SECTION.import) {
      for (let n = s.u32(); n > 0; n--) {
        const module = s.name(), name = s.name(), kind = KIND[s.u8()] ?? "unknown";
        if (kind === "function") s.u32();
        else if (kind === "table") { s.u8(); s.limits(); }
        else if (kind === "memory") { const l = s.limits(); if (module === "env" && name === "memory") importedMemory = l; }
        else if (kind === "global") { s.u8(); s.u8(); }
        if (!allowedImports.some((a) => a.module === module && a.name === name && a.kind === kind)) {
          problems.push(`unexpected import ${module}.${name} (${kind}); allowed: ${allowedImports.map((a) => `${a.module}.${a.name}`).join(", ")}`);
        }
      }
    } else if (id === SECTION.memory) {
      if (s.u32() > 0) problems.push("the module defines its own memory; it must import the shared one (asc --importMemory)");
    } else if (id === SECTION.start) {
      problems.push("start function present: each instantiation would run it again over the shared memory");
    } else if (id === SECTION.data || id === SECTION.dataCount) {
      const n = s.u32();
      if (n > 0 && id === SECTION.data) problems.push(`${n} data segment(s): each instantiation would re-copy them into the shared memory`);
    }
    r.p = end;
  }
  if (!importedMemory) problems.push("memory is not imported as env.memory (asc --importMemory)");
  else if (!importedMemory.shared) problems.push("the imported memory is not shared (asc --sharedMemory)");
  const text = wasmToText(r.b);
  for (const f of FORBIDDEN_INSTRUCTIONS) if (f.re.test(text)) problems.push(`forbidden instruction: ${f.why}`);
  return problems;
}

/** The module as WebAssembly text (binaryen), for instruction-level checks. */
export function wasmToText(bytes) {
  const mod = binaryen.readBinary(bytes);
  try {
    mod.setFeatures(binaryen.Features.All);
    return mod.emitText();
  } finally {
    mod.dispose();
  }
}

/** Assemble WebAssembly text into a binary (used by tests to feed the check). */
export function textToWasm(wat) {
  const mod = binaryen.parseText(wat);
  try {
    mod.setFeatures(binaryen.Features.All);
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}
