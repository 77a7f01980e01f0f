// The emulated SMP machine: one shared WebAssembly.Memory sized from the layout, one
// worker per CPU, each with its own instance of the one module. The host posts commands
// through each CPU's mailbox in shared memory and waits with Atomics.waitAsync: it never
// blocks its thread (a browser's main thread may not), and every wait has a deadline.
import { CMD_EXIT, commandTable, functionTableNames, type CommandTable } from "./commands.js";
import { bootContext } from "./cpu.js";
import { CpuError, DeadlineError, MachineClosedError } from "./errors.js";
import { FAULTS, USAGE_KINDS, type FaultName, type UsageKind } from "./faults.js";
import { OP_KINDS, hostContext, kthreadContext, layoutEnd, maxCpus, perCpuAddr, readLayout, sharedWordAddr, type Layout, type OpKind } from "./layout.js";
import { Rcu, SrcuStruct, type RcuHostContext, type SrcuFlavor } from "./rcu.js";
import { Tracepoints } from "./tracepoint.js";
import type { Build, CpuWorkerHandle, Platform } from "./platform/types.js";

export interface MachineOptions {
  /** Number of emulated CPUs (one worker each): an integer in 1..maxCpus. */
  cpus: number;
  /** "release" (timed) or "counting" (exact op counts). Default "release". */
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
}

export interface RunOptions {
  deadlineMs?: number;
}

export interface RunAllOptions extends RunOptions {
  /** Start all CPUs together: each waits at a shared start barrier before the command. */
  barrier?: boolean;
  /** Which CPUs (default: all). */
  cpus?: readonly number[];
}

/** What a command returned on one CPU. */
export interface CommandResult {
  readonly cpu: number;
  readonly command: string;
  /** The command's return value (wasm i64 results are converted to number). */
  readonly value: number;
  /** Time the CPU spent inside the command, measured by the CPU's worker (ns). */
  readonly elapsedNs: number;
}

const DEFAULT_DEADLINE_MS = 60_000;
const CLOSE_DEADLINE_MS = 2_000;

interface CpuState {
  readonly handle: CpuWorkerHandle;
  /** Serialises commands to this CPU. */
  queue: Promise<unknown>;
  /** Set when the CPU can take no more commands: why. */
  broken?: string;
  /** Rejects the command in flight when the worker dies. */
  abort?: (reason: string) => void;
}

async function defaultPlatform(): Promise<Platform> {
  if (typeof process !== "undefined" && process.versions?.node) {
    return (await import("./platform/node.js")).nodePlatform;
  }
  throw new Error("no platform given and this is not Node: pass options.platform (the browser adapter)");
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
  readonly cpus: number;
  readonly build: Build;
  readonly layout: Layout;
  readonly memory: WebAssembly.Memory;
  readonly platform: Platform;
  readonly commands: CommandTable;
  private readonly functionTable: string[];
  private readonly cpuStates: CpuState[];
  private readonly kthread: CpuState;
  private readonly host: Record<string, (...a: number[]) => number>;
  private readonly deadlineMs: number;
  private readonly srcuStructs = new Map<string, SrcuStruct>();
  /** The host's RCU API: synchronize_rcu(), call_rcu(). */
  readonly rcu: Rcu;
  /** The host's tracepoint API: define, register, unregister. */
  readonly tracepoints: Tracepoints;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private closing?: Promise<void>;

  private constructor(o: {
    cpus: number; build: Build; layout: Layout; memory: WebAssembly.Memory; platform: Platform;
    commands: CommandTable; functionTable: string[]; cpuStates: CpuState[]; kthread: CpuState;
    host: WebAssembly.Exports; deadlineMs: number;
  }) {
    this.cpus = o.cpus;
    this.build = o.build;
    this.layout = o.layout;
    this.memory = o.memory;
    this.platform = o.platform;
    this.commands = o.commands;
    this.functionTable = o.functionTable;
    this.cpuStates = o.cpuStates;
    this.kthread = o.kthread;
    this.host = o.host as Record<string, (...a: number[]) => number>;
    this.deadlineMs = o.deadlineMs;
    this.i32 = new Int32Array(o.memory.buffer);
    this.f64 = new Float64Array(o.memory.buffer);
    const ctx: RcuHostContext = {
      exports: this.host, i32: this.i32, layout: this.layout, deadlineMs: this.deadlineMs,
      check: (what) => {
        if (this.closed) throw new MachineClosedError(what);
        if (this.kthread.broken) throw new Error(`${what}: grace periods cannot complete: ${this.kthread.broken}`);
      },
      broken: () => this.kthread.broken,
    };
    this.rcu = new Rcu(ctx);
    this.srcuStructs.set("tracepoint_srcu", new SrcuStruct(ctx, 0, "tracepoint_srcu", "srcu"));
    this.srcuStructs.set("tracepoint_srcu_fast", new SrcuStruct(ctx, 1, "tracepoint_srcu_fast", "srcu-fast"));
    this.rcuContext = ctx;
    this.tracepoints = new Tracepoints(this, this.host);
    const idx = (n: string) => this.functionIndex(n);
    this.host.tp_set_functions(idx("probe_uaf"), idx("cb_srcu_free_old_probes"), idx("cb_rcu_free_old_probes"), idx("cb_rcu_then_srcu_free_old_probes"));
  }

  private readonly rcuContext: RcuHostContext;

  /** Compile the module once, create the shared memory, start one worker per CPU. */
  static async create(options: MachineOptions): Promise<Machine> {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`Machine.create expects an options object such as { cpus: 2 }; got ${String(options)}`);
    }
    const build = options.build ?? "release";
    if (build !== "release" && build !== "counting") {
      throw new RangeError(`build must be "release" or "counting"; got ${JSON.stringify(build)}`);
    }
    const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    if (typeof deadlineMs !== "number" || !(deadlineMs > 0)) {
      throw new RangeError(`deadlineMs must be a positive number of milliseconds; got ${String(deadlineMs)}`);
    }
    const platform = options.platform ?? (await defaultPlatform());
    platform.prepareEngine();
    const module = await WebAssembly.compile(await platform.loadWasm(build));
    const layout = readLayout(module);
    const cpus = checkCpus(options.cpus, maxCpus(layout));

    const pages = Math.ceil(layoutEnd(layout, cpus) / layout.WASM_PAGE_SIZE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: layout.MAXIMUM_MEMORY_PAGES, shared: true });
    const u32 = new Uint32Array(memory.buffer);
    u32[layout.HDR_LAYOUT_VERSION >> 2] = layout.LAYOUT_VERSION;
    u32[layout.HDR_NR_CPUS >> 2] = cpus;
    Atomics.store(u32, layout.HDR_MAGIC >> 2, layout.LAYOUT_MAGIC);

    // The host's own context: kernel code the host runs (requests, init_srcu_struct).
    const host = bootContext({ role: "cpu", cpu: hostContext(cpus), module, memory, idle: false }).exports as Record<string, (...a: number[]) => number>;
    host.srcu_init(0, 1); // DEFINE_SRCU(tracepoint_srcu) (kernel/tracepoint.c)
    host.srcu_init(1, 2); // its SRCU-fast twin, for the srcu-fast strategy

    const idle = options.idle ?? true;
    const cpuStates: CpuState[] = [];
    for (let cpu = 0; cpu < cpus; cpu++) {
      cpuStates.push({ handle: platform.startContext({ role: "cpu", cpu, module, memory, idle }), queue: Promise.resolve() });
    }
    const kthread: CpuState = {
      handle: platform.startContext({ role: "kthread", cpu: kthreadContext(cpus), module, memory, idle: false }),
      queue: Promise.resolve(),
    };
    const machine = new Machine({
      cpus, build, layout, memory, platform, commands: commandTable(module),
      functionTable: functionTableNames(module), cpuStates, kthread, host, deadlineMs,
    });
    for (const s of [...cpuStates, kthread]) {
      s.handle.onDeath((reason) => {
        s.broken ??= reason;
        s.abort?.(reason);
      });
    }
    const all = [...cpuStates, kthread];
    try {
      await withDeadline(Promise.all(all.map((s) => s.handle.ready)), deadlineMs, () => new Error(`the CPUs did not come up within ${deadlineMs} ms`));
    } catch (e) {
      await Promise.all(all.map((s) => s.handle.terminate()));
      throw e;
    }
    return machine;
  }

  /** An srcu_struct by name: "tracepoint_srcu" always exists; others come from initSrcu(). */
  srcu(name: string): SrcuStruct {
    const s = this.srcuStructs.get(name);
    if (!s) throw new Error(`no srcu_struct '${name}'; known: ${[...this.srcuStructs.keys()].join(", ")} (create one with initSrcu())`);
    return s;
  }

  /** Whether an srcu_struct of that name exists. */
  hasSrcu(name: string): boolean {
    return this.srcuStructs.has(name);
  }

  /** init_srcu_struct(): a new srcu_struct of the given flavor ("srcu" or "srcu-fast"). */
  initSrcu(name: string, flavor: SrcuFlavor = "srcu"): SrcuStruct {
    if (this.closed) throw new MachineClosedError(`initSrcu('${name}')`);
    if (flavor !== "srcu" && flavor !== "srcu-fast") throw new RangeError(`flavor must be "srcu" or "srcu-fast"; got ${JSON.stringify(flavor)}`);
    if (this.srcuStructs.has(name)) throw new Error(`srcu_struct '${name}' exists already`);
    const index = this.srcuStructs.size;
    if (index >= this.layout.NR_SRCU) {
      throw new RangeError(`no room for srcu_struct '${name}': this build has NR_SRCU = ${this.layout.NR_SRCU} (${[...this.srcuStructs.keys()].join(", ")})`);
    }
    this.host.srcu_init(index, flavor === "srcu" ? 1 : 2);
    const s = new SrcuStruct(this.rcuContext, index, name, flavor);
    this.srcuStructs.set(name, s);
    return s;
  }

  /** Turn deliberately broken mechanisms on (for the oracle and the tests' broken variants). */
  setFaults(faults: readonly FaultName[], arg = 0): void {
    let bits = 0;
    for (const f of faults) {
      const b = FAULTS[f];
      if (b === undefined) throw new RangeError(`unknown fault '${f}'; expected one of: ${Object.keys(FAULTS).join(", ")}`);
      bits |= b;
    }
    Atomics.store(this.i32, this.layout.RCU_FAULT_ARG >> 2, arg);
    Atomics.store(this.i32, this.layout.RCU_FAULTS >> 2, bits);
  }

  /**
   * Usage errors (the kernel's WARN/lockdep splats) counted on CPU `cpu`, by kind; or on
   * the grace-period kthread's or the host's context (e.g. a full callback ring).
   */
  usageErrors(cpu: number | "kthread" | "host"): Record<UsageKind, number> {
    const ctx = cpu === "kthread" ? kthreadContext(this.cpus) : cpu === "host" ? hostContext(this.cpus) : cpu;
    if (typeof cpu === "number") this.checkCpu(cpu);
    const base = perCpuAddr(this.layout, ctx, this.layout.PCPU_USAGE) >> 2;
    const out = {} as Record<UsageKind, number>;
    USAGE_KINDS.forEach((k, i) => (out[k] = Atomics.load(this.i32, base + i) >>> 0));
    return out;
  }

  /** Read a 64-bit per-CPU field of context `cpu` (e.g. dynticks_nesting). */
  readPerCpuI64(cpu: number, field: number): bigint {
    return new DataView(this.memory.buffer).getBigInt64(perCpuAddr(this.layout, cpu, field), true);
  }

  /** Read a 32-bit per-CPU field of context `cpu`. */
  readPerCpuU32(cpu: number, field: number): number {
    return Atomics.load(this.i32, perCpuAddr(this.layout, cpu, field) >> 2) >>> 0;
  }

  /** Whether close() has been called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Table index of a `probe_*` or `cb_*` function in every context's function table. */
  functionIndex(name: string): number {
    const i = this.functionTable.indexOf(name);
    if (i < 0) throw new Error(`no function '${name}' in the function table; expected one of: ${this.functionTable.join(", ")}`);
    return 1 + i;
  }

  /** Run `command` on CPU `cpu` with numeric `args`; commands to one CPU run in order. */
  run(cpu: number, command: string, args: readonly number[] = [], options: RunOptions = {}): Promise<CommandResult> {
    if (this.closed) return Promise.reject(new MachineClosedError(`run('${command}') on CPU ${cpu}`));
    try {
      this.checkCpu(cpu);
      this.commands.number(command, cpu);
      this.checkArgs(command, args);
    } catch (e) {
      return Promise.reject(e);
    }
    const deadlineMs = options.deadlineMs ?? this.deadlineMs;
    const s = this.cpuStates[cpu];
    const p = s.queue.then(() => this.execute(cpu, command, args, 0, deadlineMs));
    s.queue = p.catch(() => undefined);
    return p;
  }

  /** Run `command` on several CPUs at once; with `barrier` they start together. */
  async runAll(
    command: string,
    args: readonly number[] | ((cpu: number) => readonly number[]) = [],
    options: RunAllOptions = {},
  ): Promise<CommandResult[]> {
    if (this.closed) throw new MachineClosedError(`runAll('${command}')`);
    const cpus = options.cpus ?? [...Array(this.cpus).keys()];
    cpus.forEach((c) => this.checkCpu(c));
    const argsOf = typeof args === "function" ? args : () => args;
    cpus.forEach((c) => this.checkArgs(command, argsOf(c)));
    this.commands.number(command, cpus[0] ?? 0);
    const deadlineMs = options.deadlineMs ?? this.deadlineMs;
    const barrierN = options.barrier ? cpus.length : 0;
    const start = () =>
      cpus.map((c) => {
        const s = this.cpuStates[c];
        const p = s.queue.then(() => this.execute(c, command, argsOf(c), barrierN, deadlineMs));
        s.queue = p.catch(() => undefined);
        return p;
      });
    if (!barrierN) return Promise.all(start());
    // One start barrier word: barrier groups run one after the other, and every CPU of a
    // group must be idle before the word is reset.
    const prev = this.barrierLock;
    let release!: () => void;
    this.barrierLock = new Promise<void>((r) => (release = r));
    try {
      await prev;
      await Promise.all(cpus.map((c) => this.cpuStates[c].queue));
      Atomics.store(this.i32, this.layout.HDR_BARRIER_ARRIVED >> 2, 0);
      return await Promise.all(start());
    } finally {
      release();
    }
  }

  private barrierLock: Promise<void> = Promise.resolve();

  /** Op counts of CPU `cpu` (the counting build counts; the release build reads zeros). */
  opCounts(cpu: number): Record<OpKind, number> {
    this.checkCpu(cpu);
    const view = new DataView(this.memory.buffer);
    const base = perCpuAddr(this.layout, cpu, this.layout.PCPU_OPS);
    const out = {} as Record<OpKind, number>;
    OP_KINDS.forEach((k, i) => (out[k] = Number(view.getBigUint64(base + 8 * i, true))));
    return out;
  }

  /** Read shared word `i` (a u32 on its own cache line). */
  readSharedWord(i: number): number {
    return Atomics.load(this.i32, sharedWordAddr(this.layout, i) >> 2) >>> 0;
  }

  /** Write shared word `i`. */
  writeSharedWord(i: number, v: number): void {
    Atomics.store(this.i32, sharedWordAddr(this.layout, i) >> 2, v | 0);
  }

  /** End every CPU's worker. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(
        [...this.cpuStates, this.kthread].map(async (s, cpu) => {
          if (!s.broken) {
            try {
              await this.post(cpu, CMD_EXIT, [], 0, CLOSE_DEADLINE_MS, "exit");
            } catch {
              /* stuck or dead: terminate below */
            }
          }
          s.broken ??= "the machine is closed";
          await s.handle.terminate();
        }),
      );
    })();
    return this.closing;
  }

  private checkCpu(cpu: number): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpus) {
      throw new RangeError(`CPU ${cpu} does not exist: expected an integer in 0..${this.cpus - 1}`);
    }
  }

  private checkArgs(command: string, args: readonly number[]): void {
    if (!Array.isArray(args) || args.length > this.layout.MB_NR_ARGS || args.some((a) => typeof a !== "number" || Number.isNaN(a))) {
      throw new TypeError(`'${command}' takes at most ${this.layout.MB_NR_ARGS} numeric arguments; got ${JSON.stringify(args)}`);
    }
  }

  private async execute(cpu: number, command: string, args: readonly number[], barrierN: number, deadlineMs: number): Promise<CommandResult> {
    if (this.closed) throw new MachineClosedError(`run('${command}') on CPU ${cpu}`);
    return this.post(cpu, this.commands.number(command, cpu), args, barrierN, deadlineMs, command);
  }

  /** Post one command to a CPU's mailbox and wait (asynchronously) for its ack. */
  private async post(cpu: number, cmd: number, args: readonly number[], barrierN: number, deadlineMs: number, command: string): Promise<CommandResult> {
    const s = cpu === this.cpus ? this.kthread : this.cpuStates[cpu];
    if (s.broken) throw new CpuError(cpu, command, `the CPU cannot take commands: ${s.broken}`);
    const L = this.layout;
    const mb = L.MAILBOX_BASE + cpu * L.MAILBOX_STRIDE;
    const i32 = this.i32, f64 = this.f64;
    for (let i = 0; i < L.MB_NR_ARGS; i++) f64[(mb + L.MB_ARGS + 8 * i) >> 3] = args[i] ?? 0;
    i32[(mb + L.MB_CMD) >> 2] = cmd;
    i32[(mb + L.MB_BARRIER_N) >> 2] = barrierN;
    const ackIdx = (mb + L.MB_ACK_SEQ) >> 2;
    const seq = (Atomics.load(i32, (mb + L.MB_REQ_SEQ) >> 2) + 1) | 0;
    Atomics.store(i32, (mb + L.MB_REQ_SEQ) >> 2, seq);
    Atomics.notify(i32, (mb + L.MB_REQ_SEQ) >> 2);
    if (cpu === this.cpus) {
      // The kthread sleeps on RCU_GP_WAKE, not on its mailbox.
      Atomics.add(i32, L.RCU_GP_WAKE >> 2, 1);
      Atomics.notify(i32, L.RCU_GP_WAKE >> 2);
    }

    const deadline = Date.now() + deadlineMs;
    let aborted: string | undefined;
    s.abort = (reason) => (aborted = reason);
    try {
      for (;;) {
        const ack = Atomics.load(i32, ackIdx);
        if (ack === seq) break;
        if (aborted !== undefined) throw new CpuError(cpu, command, aborted);
        const left = deadline - Date.now();
        if (left <= 0) {
          s.broken = `stuck in '${command}' past its ${deadlineMs} ms deadline`;
          throw new DeadlineError(cpu, command, deadlineMs);
        }
        // Wake at least every 50 ms to notice a dead worker.
        const w = Atomics.waitAsync(i32, ackIdx, ack, Math.min(left, 50));
        if (w.async) await w.value;
      }
    } finally {
      s.abort = undefined;
    }
    if (Atomics.load(i32, (mb + L.MB_STATUS) >> 2) !== 0) {
      const len = i32[(mb + L.MB_ERR_LEN) >> 2];
      const bytes = new Uint8Array(this.memory.buffer, mb + L.MB_ERR_TEXT, len).slice();
      throw new CpuError(cpu, command, new TextDecoder().decode(bytes));
    }
    return { cpu, command, value: f64[(mb + L.MB_RESULT) >> 3], elapsedNs: f64[(mb + L.MB_ELAPSED_NS) >> 3] };
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, err: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(err()), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
