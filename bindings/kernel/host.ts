// What the host-side kernel API needs from its machine: the host's own context (an
// instance of the module that is not a CPU: kernel code the host runs, such as grace-period
// requests and tracepoint registration, runs there), the shared memory, and whether the
// machine can still serve a request. The machine implements it; kernel/ never imports
// machine/.
import type { Layout } from "../abi/layout.js";
import type { Exports } from "../worker/boot.js";

export interface KernelHost {
  readonly exports: Exports;
  readonly i32: Int32Array;
  readonly layout: Layout;
  /** Default deadline of a wait, in ms. */
  readonly deadlineMs: number;
  /** Table index of a `probe_*` or `cb_*` function. */
  functionIndex(name: string): number;
  /** Throws MachineClosedError once the machine is closed: every public method calls it first. */
  open(what: string): void;
  /** Throws if the machine cannot serve a request (closed, kthread dead). */
  check(what: string): void;
  /** Why grace periods cannot complete (kthread dead), if so. */
  broken(): string | undefined;
}
