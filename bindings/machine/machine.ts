// The emulated SMP machine: one shared WebAssembly.Memory sized from the layout, one
// worker per CPU and one for the grace-period kthread, each with its own instance of the
// one module, and the host's own context (an instance on this thread) that runs the
// host-side kernel (kernel/). The host posts commands through each CPU's mailbox
// (abi/mailbox.ts) and waits with Atomics.waitAsync: it never blocks its thread (a
// browser's main thread may not), and every wait has a deadline.
// (over 250 lines because each public member first checks, on its own line, that the machine is open)
import type { FaultName, OpKind, UsageKind } from "../abi/constants.js";
import { hostContext, kthreadContext, maxCpus, readLayout, type Layout } from "../abi/layout.js";
import { memoryViews, type MemoryViews } from "../abi/mailbox.js";
import { Kernel } from "../kernel/kernel.js";
import type { Rcu, SrcuFlavor, SrcuStruct } from "../kernel/rcu.js";
import type { Interrupts } from "../kernel/interrupts.js";
import type { Tracepoints } from "../kernel/tracepoint.js";
import type { Build, Platform } from "../platform/types.js";
import { bootContext, functionIndex, functionTableNames, type Exports } from "../worker/boot.js";
import { commandTable, type CommandTable } from "../worker/commands.js";
import { Contexts, type CommandResult, type RunAllOptions, type RunOptions } from "./contexts.js";
import { MachineClosedError } from "./errors.js";
import * as inspect from "./inspect.js";
import { compileModule, createMemory } from "./memory.js";
import { checkCodeInstance, percpuModules } from "./percpu-modules.js";

export type { CommandResult, RunAllOptions, RunOptions } from "./contexts.js";

export interface MachineOptions {
  /** Number of emulated CPUs (one worker each): an integer in 1..maxCpus. */
  cpus: number;
  /** "release" (timed), "counting" (exact op counts) or "tracing" (timeline events). Default "release". */
  build?: Build;
  /** Default deadline of a command, in ms. Default 60000. */
  deadlineMs?: number;
  /** Host platform. Default: Node's (worker_threads). */
  platform?: Platform;
  /**
   * Run each CPU's idle loop (rcu_idle_enter) while it waits for a command, as a CPU with
   * nothing to run does. Default true; false keeps CPUs in task context between commands.
   */
  idle?: boolean;
  /** Release build: the CPUs' modules compiled anew as this code instance (abi/code-instance.ts), not the process's first copy. */
  codeInstance?: number;
}

const DEFAULT_DEADLINE_MS = 60_000;

async function defaultPlatform(): Promise<Platform> {
  if (typeof process !== "undefined" && process.versions?.node) {
    return (await import("../platform/node.js")).nodePlatform;
  }
  throw new Error("no platform given and this is not Node: pass options.platform (the browser adapter)");
}

function checkOptions(options: MachineOptions): { build: Build; deadlineMs: number } {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Machine.create expects an options object such as { cpus: 2 }; got ${String(options)}`);
  }
  const build = options.build ?? "release";
  if (build !== "release" && build !== "counting" && build !== "tracing") {
    throw new RangeError(`build must be "release", "counting" or "tracing"; got ${JSON.stringify(build)}`);
  }
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  checkCodeInstance(options.codeInstance, build);
  if (typeof deadlineMs !== "number" || !(deadlineMs > 0)) throw new RangeError(`deadlineMs must be a positive number of milliseconds; got ${String(deadlineMs)}`);
  return { build, deadlineMs };
}

function checkCpus(cpus: unknown, limit: number): number {
  if (typeof cpus !== "number" || !Number.isInteger(cpus) || cpus < 1 || cpus > limit) {
    throw new RangeError(
      `cpus must be an integer in 1..${limit} (NR_CPUS of this build and its maximum memory allow ${limit}); got ${typeof cpus === "number" ? cpus : `${typeof cpus} ${JSON.stringify(cpus)}`}`,
    );
  }
  return cpus;
}

export class Machine {
  readonly commands: CommandTable;
  /** The host-side kernel: RCU, srcu_structs, tracepoints. */
  readonly kernel: Kernel;
  /** The host context's module instance (kernel code the host runs). */
  readonly hostExports: Exports;
  private readonly views: MemoryViews;

  private constructor(
    readonly cpus: number,
    readonly build: Build,
    readonly layout: Layout,
    readonly memory: WebAssembly.Memory,
    readonly platform: Platform,
    private readonly contexts: Contexts,
    private readonly functionNames: readonly string[],
    module: WebAssembly.Module,
    deadlineMs: number,
  ) {
    this.commands = contexts.commands;
    this.views = memoryViews(memory, layout);
    this.hostExports = bootContext({ role: "cpu", cpu: hostContext(cpus), module, memory, idle: false }).exports;
    this.kernel = new Kernel({
      exports: this.hostExports, i32: this.views.i32, layout, deadlineMs,
      functionIndex: (name) => functionIndex(this.functionNames, name),
      open: (what) => this.open(what),
      check: (what) => {
        this.open(what);
        const dead = contexts.kthreadBroken();
        if (dead) throw new Error(`${what}: grace periods cannot complete: ${dead}`);
      },
      broken: () => contexts.kthreadBroken(),
    });
  }

  /** Compile the module once, create the shared memory, start one worker per CPU. */
  static async create(options: MachineOptions): Promise<Machine> {
    const { build, deadlineMs } = checkOptions(options);
    const platform = options.platform ?? (await defaultPlatform());
    const { module, params } = await compileModule(platform, build);
    const layout = readLayout(module);
    const cpus = checkCpus(options.cpus, maxCpus(layout));
    const memory = createMemory(layout, cpus);
    const contexts = new Contexts(memoryViews(memory, layout), cpus, deadlineMs, commandTable(module, params));
    // The host's context and its kernel come up (constructor) before any CPU runs kernel code.
    const machine = new Machine(cpus, build, layout, memory, platform, contexts, functionTableNames(module), module, deadlineMs);
    // The CPU workers run modules specialised for their CPU where there are (release build).
    const cpuModules = await percpuModules(platform, build, layout, cpus, options.codeInstance);
    await contexts.start(platform, { module, memory, idle: options.idle ?? true }, cpuModules);
    return machine;
  }

  /**
   * Every public method and getter but close() and `closed` starts here: on a closed machine
   * it throws MachineClosedError (test/machine-closed.test.ts enumerates the public API).
   */
  private open(what: string): void {
    if (this.closed) throw new MachineClosedError(what);
  }

  // ---- the host-side kernel -------------------------------------------------------------

  /** Tree RCU: synchronize_rcu(), call_rcu(), the polled API. */
  get rcu(): Rcu {
    this.open("rcu");
    return this.kernel.rcu;
  }

  /** Tracepoints: define, register, unregister. */
  get tracepoints(): Tracepoints {
    this.open("tracepoints");
    return this.kernel.tracepoints;
  }

  /** Interrupts delivered to running CPUs: schedules, IPIs, delivery counts (kernel/interrupts.ts). */
  get interrupts(): Interrupts {
    this.open("interrupts");
    return this.kernel.interrupts;
  }

  /** An srcu_struct by name: "tracepoint_srcu" always exists; others come from initSrcu(). */
  srcu(name: string): SrcuStruct {
    this.open(`srcu('${name}')`);
    return this.kernel.srcu(name);
  }

  hasSrcu(name: string): boolean {
    this.open(`hasSrcu('${name}')`);
    return this.kernel.hasSrcu(name);
  }

  /** init_srcu_struct(): a new srcu_struct of the given flavor ("srcu" or "srcu-fast"). */
  initSrcu(name: string, flavor: SrcuFlavor = "srcu"): SrcuStruct {
    this.open(`initSrcu('${name}')`);
    return this.kernel.initSrcu(name, flavor);
  }

  // ---- running commands -----------------------------------------------------------------

  /** Run `command` on CPU `cpu` with numeric `args`; commands to one CPU run in order. */
  run(cpu: number, command: string, args: readonly number[] = [], options: RunOptions = {}): Promise<CommandResult> {
    return this.contexts.run(cpu, command, args, options);
  }

  /** Run `command` on several CPUs at once; with `barrier` they start together. */
  runAll(command: string, args: readonly number[] | ((cpu: number) => readonly number[]) = [], options: RunAllOptions = {}): Promise<CommandResult[]> {
    return this.contexts.runAll(command, args, options);
  }

  /** End every CPU's worker. Safe to call more than once. */
  close(): Promise<void> {
    return this.contexts.close();
  }

  /** Whether close() has been called. */
  get closed(): boolean {
    return this.contexts.closing;
  }

  // ---- inspection -----------------------------------------------------------------------

  /** Table index of a `probe_*` or `cb_*` function in every context's function table. */
  functionIndex(name: string): number {
    this.open(`functionIndex('${name}')`);
    return functionIndex(this.functionNames, name);
  }

  /** Turn deliberately broken mechanisms on (for the oracle and the tests' broken variants). */
  setFaults(faults: readonly FaultName[], arg = 0): void {
    this.open("setFaults");
    inspect.setFaults(this.views, faults, arg);
  }

  /**
   * Usage errors (the kernel's WARN/lockdep splats) counted on CPU `cpu`, by kind; or on
   * the grace-period kthread's or the host's context (e.g. a full callback ring).
   */
  usageErrors(cpu: number | "kthread" | "host"): Record<UsageKind, number> {
    this.open("usageErrors");
    if (typeof cpu === "number") this.contexts.checkCpu(cpu);
    return inspect.usageErrors(this.views, cpu === "kthread" ? kthreadContext(this.cpus) : cpu === "host" ? hostContext(this.cpus) : cpu);
  }

  /** Op counts of CPU `cpu` (the counting build counts; the release build reads zeros). */
  opCounts(cpu: number): Record<OpKind, number> {
    this.open("opCounts");
    this.contexts.checkCpu(cpu);
    return inspect.opCounts(this.views, cpu);
  }

  /** Read a 64-bit per-CPU field of context `cpu` (e.g. dynticks_nesting). */
  readPerCpuI64(cpu: number, field: number): bigint {
    this.open("readPerCpuI64");
    return inspect.readPerCpuI64(this.views, cpu, field);
  }

  /** Read a 32-bit per-CPU field of context `cpu`. */
  readPerCpuU32(cpu: number, field: number): number {
    this.open("readPerCpuU32");
    return inspect.readPerCpuU32(this.views, cpu, field);
  }

  /** HZ and the grace-period timing parameters of the emulated kernel (read from the module). */
  get timing(): inspect.KernelTiming {
    this.open("timing");
    return inspect.timing(this.layout, this.hostExports);
  }

  /** Read a u32 at `addr` (a word of the shared kernel state). */
  readU32(addr: number): number {
    this.open("readU32");
    return inspect.readU32(this.views, addr);
  }

  /** Read an f64 at `addr` (a time of the grace-period machines, us). */
  readF64(addr: number): number {
    this.open("readF64");
    return inspect.readF64(this.views, addr);
  }

  /** Read a u64 at `addr` (a statistics counter), as a number. */
  readU64(addr: number): number {
    this.open("readU64");
    return inspect.readU64(this.views, addr);
  }

  /** Read shared word `i` (a u32 on its own cache line). */
  readSharedWord(i: number): number {
    this.open("readSharedWord");
    return inspect.readSharedWord(this.views, i);
  }

  /** Write shared word `i`. */
  writeSharedWord(i: number, v: number): void {
    this.open("writeSharedWord");
    inspect.writeSharedWord(this.views, i, v);
  }
}
