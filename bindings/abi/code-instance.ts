// An independently compiled copy of a module: the same code, with a custom section that names
// the copy, so that the engine compiles it anew instead of reusing the machine code of an
// identical module it has already compiled (V8 shares one compiled module between identical
// byte strings). Each copy's machine code is placed in memory by its own compilation, as it is
// in a new process: the bench measures a figure over several such copies (docs/performance.md,
// "Figures that repeat"). A custom section changes no behaviour: engines skip unknown ones.
import { leb5 } from "./percpu-template.js";

/** The custom section's name. */
export const CODE_INSTANCE_SECTION = "rcu-lab.instance";

const SECTION_CUSTOM = 0;

/**
 * A length (section size, name size) as a 5-byte LEB128: percpu-template.ts's leb5, whose
 * padded encoding of a value below 2^28 is also a valid unsigned one (the fifth byte 0).
 */
function u32leb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 28) throw new RangeError(`a custom section length must be in 0..2^28; got ${n}`);
  return leb5(n);
}

/**
 * `bytes` with a custom section naming copy `instance` (and a random tag, so that two machines
 * asking for the same copy number in one process still get two compilations).
 */
export function withCodeInstance(bytes: Uint8Array, instance: number): Uint8Array<ArrayBuffer> {
  if (!Number.isInteger(instance) || instance < 0) throw new RangeError(`code instance must be a non-negative integer; got ${instance}`);
  const enc = new TextEncoder();
  const name = enc.encode(CODE_INSTANCE_SECTION);
  const payload = enc.encode(`${instance}:${Math.random().toString(36).slice(2)}`);
  const body = [...u32leb(name.length), ...name, ...payload];
  const out = new Uint8Array(bytes.length + 1 + u32leb(body.length).length + body.length);
  out.set(bytes, 0);
  out.set([SECTION_CUSTOM, ...u32leb(body.length), ...body], bytes.length);
  return out;
}
