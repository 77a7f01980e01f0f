// The command table: what a CPU can be asked to run through its mailbox. A command is a
// function export of the module, or JavaScript the CPU's worker runs (the JS+Atomics loops,
// the sleeping commands). Host and worker derive the same numbering from the same module:
// the host turns a name into a number once per call (commandTable), the worker turns each
// number into its function once, at boot (bindCommands).
import { FIRST_CMD, type Execute } from "../abi/mailbox.js";
import type { Layout } from "../abi/layout.js";
import type { ArgSpec, ValType } from "../abi/wasm-signatures.js";
import type { Exports, WasmFn } from "./boot.js";
import { JS_LOOPS } from "./js-loops.js";
import { SLEEPING_COMMANDS } from "./sleeping-commands.js";

/** Function exports that are not commands. */
const NOT_COMMANDS = new Set(["cpu_init", "gp_kthread_step", "irq_timer_step"]);

/** What the worker's JavaScript commands run with. */
export interface WorkerContext {
  readonly i32: Int32Array;
  readonly layout: Layout;
  readonly cpu: number;
  readonly exports: Exports;
}

export interface CommandTable {
  readonly names: readonly string[];
  /** The command's number, or an error naming the choices. */
  number(name: string, cpu: number): number;
  /**
   * The command's declared arguments: a wasm export's parameter types (read from the binary),
   * a JavaScript command's own list; undefined when not known (the host then checks only
   * that the arguments are finite numbers).
   */
  params(name: string): readonly (ArgSpec | ValType)[] | undefined;
}

/** The module's function exports (sorted), then the worker's JavaScript commands. */
function commandNames(module: WebAssembly.Module): string[] {
  const wasm = WebAssembly.Module.exports(module)
    .filter((e) => e.kind === "function" && !NOT_COMMANDS.has(e.name))
    .map((e) => e.name)
    .sort();
  return [...wasm, ...Object.keys(JS_LOOPS).sort(), ...Object.keys(SLEEPING_COMMANDS).sort()];
}

export function commandTable(module: WebAssembly.Module, wasmParams?: ReadonlyMap<string, readonly (ArgSpec | ValType)[]>): CommandTable {
  const names = commandNames(module);
  const index = new Map(names.map((n, i) => [n, FIRST_CMD + i]));
  return {
    names,
    params: (name) => (JS_LOOPS[name] ?? SLEEPING_COMMANDS[name])?.args ?? wasmParams?.get(name),
    number(name, cpu) {
      const n = index.get(name);
      if (n === undefined) throw new Error(`unknown command '${name}' for CPU ${cpu}; expected one of: ${names.join(", ")}`);
      return n;
    },
  };
}

/** The worker's executor: command number -> its function, resolved here once. */
export function bindCommands(module: WebAssembly.Module, ctx: WorkerContext): Execute {
  const fns = commandNames(module).map((name): ((args: readonly number[]) => number | bigint | void) => {
    const js = JS_LOOPS[name] ?? SLEEPING_COMMANDS[name];
    if (js) return (args) => js.run(ctx, args);
    const wasm = ctx.exports[name] as WasmFn;
    const arity = wasm.length;
    return (args) => wasm(...args.slice(0, arity));
  });
  return (cmd, args) => {
    const fn = fns[cmd - FIRST_CMD];
    if (fn === undefined) throw new Error(`unknown command number ${cmd}`);
    const t0 = performance.now();
    const r = fn(args);
    const t1 = performance.now();
    return { value: typeof r === "bigint" ? Number(r) : (r ?? 0), elapsedNs: (t1 - t0) * 1e6 };
  };
}
