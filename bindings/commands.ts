// The command table: what a CPU can be asked to run through its mailbox. Host and CPU
// worker both derive it from the same module, so command numbers always agree.
import { CPU_COMMANDS } from "./cpu-commands.js";
import { JS_COMMANDS } from "./jsloops.js";

/** Command number 0 is "none"; 1 ends the CPU's loop. */
export const CMD_EXIT = 1;
const FIRST_CMD = 2;
/** Exports that are not commands. */
const NOT_COMMANDS = new Set(["cpu_init", "gp_kthread_step"]);

export interface CommandTable {
  readonly names: readonly string[];
  number(name: string, cpu: number): number;
  name(n: number): string | undefined;
}

/** Wasm function exports (sorted), then the worker's JavaScript loops and blocking commands. */
export function commandTable(module: WebAssembly.Module): CommandTable {
  const wasm = WebAssembly.Module.exports(module)
    .filter((e) => e.kind === "function" && !NOT_COMMANDS.has(e.name))
    .map((e) => e.name)
    .sort();
  const names = [...wasm, ...Object.keys(JS_COMMANDS).sort(), ...Object.keys(CPU_COMMANDS).sort()];
  const index = new Map(names.map((n, i) => [n, FIRST_CMD + i]));
  return {
    names,
    number(name, cpu) {
      const n = index.get(name);
      if (n === undefined) {
        throw new Error(`unknown command '${name}' for CPU ${cpu}; expected one of: ${names.join(", ")}`);
      }
      return n;
    },
    name: (n) => names[n - FIRST_CMD],
  };
}

/** Function-table entries: every `probe_*` and `cb_*` export, sorted, from index 1 (0 stays null). */
export function functionTableNames(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.exports(module)
    .filter((e) => e.kind === "function" && (e.name.startsWith("probe_") || e.name.startsWith("cb_")))
    .map((e) => e.name)
    .sort();
}
