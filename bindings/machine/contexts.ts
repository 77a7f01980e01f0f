// The machine's worker contexts from the host's side: one per CPU plus the grace-period
// kthread. Commands to one context run in order (a queue per context); runAll() starts
// several at once, optionally behind the start barrier; a worker that dies or overruns its
// deadline marks its context broken, and later commands fail at once with the reason.
import { kthreadContext } from "../abi/layout.js";
import { argProblem } from "../abi/wasm-signatures.js";
import { CMD_EXIT, PostError, post, type MemoryViews } from "../abi/mailbox.js";
import type { CpuWorkerHandle, ContextInit, Platform } from "../platform/types.js";
import type { CommandTable } from "../worker/commands.js";
import { CpuError, DeadlineError, MachineClosedError, StartupTimeoutError } from "./errors.js";

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

const CLOSE_DEADLINE_MS = 2_000;

interface Context {
  readonly id: number;
  handle?: CpuWorkerHandle;
  /** Serialises commands to this context. */
  queue: Promise<unknown>;
  /** Set when the context can take no more commands: why. */
  broken?: string;
}

export class Contexts {
  private readonly cpuContexts: Context[];
  private readonly kthread: Context;
  private barrierLock: Promise<void> = Promise.resolve();
  private closed?: Promise<void>;

  constructor(private readonly views: MemoryViews, readonly cpus: number, private readonly deadlineMs: number, readonly commands: CommandTable) {
    this.cpuContexts = Array.from({ length: cpus }, (_, id) => ({ id, queue: Promise.resolve() }));
    this.kthread = { id: kthreadContext(cpus), queue: Promise.resolve() };
  }

  private get all(): Context[] {
    return [...this.cpuContexts, this.kthread];
  }

  /**
   * Start one worker per context and wait until each serves its mailbox. `cpuModules[cpu]`:
   * that CPU's own module (machine/percpu-modules.ts), else init.module.
   */
  async start(platform: Platform, init: Pick<ContextInit, "module" | "memory" | "idle">, cpuModules?: readonly WebAssembly.Module[]): Promise<void> {
    for (const c of this.cpuContexts) c.handle = platform.startContext({ ...init, module: cpuModules?.[c.id] ?? init.module, role: "cpu", cpu: c.id });
    this.kthread.handle = platform.startContext({ ...init, role: "kthread", cpu: this.kthread.id, idle: false });
    for (const c of this.all) c.handle!.onDeath((reason) => (c.broken ??= reason));
    const deadline = this.deadlineMs;
    try {
      await withDeadline(Promise.all(this.all.map((c) => c.handle!.ready)), deadline, () => new StartupTimeoutError(this.all.length, deadline));
    } catch (e) {
      await Promise.all(this.all.map((c) => c.handle!.terminate()));
      throw e;
    }
  }

  get closing(): boolean {
    return this.closed !== undefined;
  }

  /** Why the kthread cannot run grace periods, if so. */
  kthreadBroken(): string | undefined {
    return this.kthread.broken;
  }

  checkCpu(cpu: number): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpus) {
      throw new RangeError(`CPU ${cpu} does not exist: expected an integer in 0..${this.cpus - 1}`);
    }
  }

  /**
   * Check `args` against the command's declared arguments before posting: the JS-to-wasm
   * conversion would wrap them silently (-1 iterations -> 4294967295, 2**32+5 -> 5, 1.7 -> 1,
   * Infinity -> 0). i32 takes integers in -2^31..2^32-1, u32 0..2^32-1, i64 safe integers,
   * f32/f64 finite numbers; more arguments than declared is an error; fewer are zeros.
   */
  private checkArgs(command: string, args: readonly number[]): void {
    const n = this.views.layout.MB_NR_ARGS;
    if (!Array.isArray(args)) throw new TypeError(`'${command}' takes its arguments as an array of numbers; got ${typeof args} ${JSON.stringify(args)}`);
    const params = this.commands.params(command) ?? Array<"f64">(n).fill("f64");
    if (args.length > Math.min(params.length, n)) {
      const list = params.map((p) => (typeof p === "string" ? p : `${p.name}: ${p.type}`)).join(", ");
      const most = args.length > n ? `: every command takes at most ${n} numeric arguments (the mailbox's slots)` : "";
      throw new TypeError(`'${command}' takes ${params.length} argument${params.length === 1 ? "" : "s"} (${list || "none"}); got ${args.length}: ${JSON.stringify(args)}${most}`);
    }
    for (let i = 0; i < args.length; i++) {
      const problem = argProblem(command, i + 1, params[i], args[i]);
      if (problem) throw typeof args[i] === "number" ? new RangeError(problem) : new TypeError(problem);
    }
  }

  run(cpu: number, command: string, args: readonly number[], options: RunOptions): Promise<CommandResult> {
    if (this.closing) return Promise.reject(new MachineClosedError(`run('${command}') on CPU ${cpu}`));
    let cmd: number;
    try {
      this.checkCpu(cpu);
      cmd = this.commands.number(command, cpu);
      this.checkArgs(command, args);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(this.cpuContexts[cpu], cmd, command, args, 0, options.deadlineMs ?? this.deadlineMs);
  }

  async runAll(command: string, args: readonly number[] | ((cpu: number) => readonly number[]), options: RunAllOptions): Promise<CommandResult[]> {
    if (this.closing) throw new MachineClosedError(`runAll('${command}')`);
    const cpus = options.cpus ?? [...Array(this.cpus).keys()];
    cpus.forEach((c) => this.checkCpu(c));
    const argsOf = typeof args === "function" ? args : () => args;
    cpus.forEach((c) => this.checkArgs(command, argsOf(c)));
    const cmd = this.commands.number(command, cpus[0] ?? 0);
    const deadlineMs = options.deadlineMs ?? this.deadlineMs;
    const barrierN = options.barrier ? cpus.length : 0;
    const start = () => cpus.map((c) => this.enqueue(this.cpuContexts[c], cmd, command, argsOf(c), barrierN, deadlineMs));
    if (!barrierN) return Promise.all(start());
    // One start barrier word: barrier groups run one after the other, and every CPU of a
    // group must be idle before the word is reset.
    const prev = this.barrierLock;
    let release!: () => void;
    this.barrierLock = new Promise<void>((r) => (release = r));
    try {
      await prev;
      await Promise.all(cpus.map((c) => this.cpuContexts[c].queue));
      Atomics.store(this.views.i32, this.views.layout.HDR_BARRIER_ARRIVED >> 2, 0);
      return await Promise.all(start());
    } finally {
      release();
    }
  }

  private enqueue(c: Context, cmd: number, command: string, args: readonly number[], barrierN: number, deadlineMs: number): Promise<CommandResult> {
    const p = c.queue.then(async () => {
      if (this.closing) throw new MachineClosedError(`run('${command}') on CPU ${c.id}`);
      const r = await this.post(c, cmd, command, args, barrierN, deadlineMs);
      return { cpu: c.id, command, value: r.value, elapsedNs: r.elapsedNs };
    });
    c.queue = p.catch(() => undefined);
    return p;
  }

  /** One command through the mailbox, with the context's failures turned into CpuError/DeadlineError. */
  private async post(c: Context, cmd: number, command: string, args: readonly number[], barrierN: number, deadlineMs: number) {
    if (c.broken) throw new CpuError(c.id, command, `the CPU cannot take commands: ${c.broken}`);
    // The kthread sleeps on RCU_GP_WAKE, not on its mailbox.
    const wake = c === this.kthread ? this.views.layout.RCU_GP_WAKE : undefined;
    try {
      return await post(this.views, c.id, cmd, args, barrierN, deadlineMs, () => c.broken, wake);
    } catch (e) {
      if (!(e instanceof PostError)) throw e;
      const f = e.failure;
      if (f.kind === "deadline") {
        c.broken = `stuck in '${command}' past its ${deadlineMs} ms deadline`;
        throw new DeadlineError(c.id, command, deadlineMs);
      }
      throw new CpuError(c.id, command, f.kind === "error" ? f.text : f.reason);
    }
  }

  /** End every worker: CMD_EXIT first, terminate() after (or at once if stuck or dead). */
  close(): Promise<void> {
    this.closed ??= Promise.all(
      this.all.map(async (c) => {
        if (!c.broken && c.handle) {
          try {
            await this.post(c, CMD_EXIT, "exit", [], 0, CLOSE_DEADLINE_MS);
          } catch {
            /* stuck or dead: terminate below */
          }
        }
        c.broken ??= "the machine is closed";
        await c.handle?.terminate();
      }),
    ).then(() => undefined);
    return this.closed;
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, err: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(err()), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
