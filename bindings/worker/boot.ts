// Bringing up a context's own instance of the module: every context (each CPU worker, the
// grace-period kthread, the host's own context, a local CPU) instantiates the module it was
// given (the one module, or in the release build a CPU worker's module specialised for its
// CPU: machine/percpu-modules.ts) over the shared memory with a function table of its own,
// then binds the instance to its context id (cpu_init: the per-CPU base register). Runs on
// whichever thread owns the context.
import { readLayout, type Layout } from "../abi/layout.js";
import type { ContextInit } from "../platform/types.js";

export type WasmFn = (...args: number[]) => number;
/** A module instance's exports, called with numbers. */
export type Exports = Readonly<Record<string, WasmFn>>;

/** Function-table entries: every `probe_*` and `cb_*` export, sorted, from index 1 (0 stays NULL). */
export function functionTableNames(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.exports(module)
    .filter((e) => e.kind === "function" && (e.name.startsWith("probe_") || e.name.startsWith("cb_")))
    .map((e) => e.name)
    .sort();
}

/** Table index of function `name` (the same in every context), or an error naming the choices. */
export function functionIndex(names: readonly string[], name: string): number {
  const i = names.indexOf(name);
  if (i < 0) throw new Error(`no function '${name}' in the function table; expected one of: ${names.join(", ")}`);
  return 1 + i;
}

/** Instantiate this context's module instance and bind it to its context id. */
export function bootContext(init: ContextInit): { layout: Layout; exports: Exports; instanceExports: WebAssembly.Exports } {
  const { cpu, module, memory } = init;
  const layout = readLayout(module);
  const names = functionTableNames(module);
  const table = new WebAssembly.Table({ initial: 1 + names.length, element: "anyfunc" });
  const hostProbe = init.hostProbe ?? (() => {});
  const { exports } = new WebAssembly.Instance(module, { env: { memory, table, host_probe: hostProbe } });
  names.forEach((name, i) => table.set(1 + i, exports[name] as WasmFn));
  const rc = (exports.cpu_init as WasmFn)(cpu);
  if (rc !== 0) throw new Error(`cpu_init(${cpu}) returned ${rc}: the shared memory has no machine header`);
  return { layout, exports: exports as unknown as Exports, instanceExports: exports };
}
