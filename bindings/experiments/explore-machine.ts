// The explorer's machine: every emulated CPU and the grace-period kthread as instances of
// the stepping build (build/rcu-lab.stepping.wasm) in ONE thread, over one memory. Each
// primitive calls env.sched_point first; there the policy picks which CPU performs its
// next access. A CPU that is not picked is suspended with Asyncify (its instance unwinds
// to the driver loop; rewinding later re-enters it at the same point), so a switch costs
// an unwind and a rewind, and a step that stays on the same CPU costs one JavaScript call.
// Runs start from a snapshot of the memory taken after set-up (stateless re-execution).
import { FAULT_NAMES, globalName, type FaultName } from "../abi/constants.js";
import { createMemory } from "../machine/memory.js";
import { functionTableNames } from "../worker/boot.js";
import type { StoreBuffers } from "./explore-tso.js";
import { HOLD_OFF_YIELDS, type Check, type Choice, type Flavor, type Pending, type Policy, type Recorder, type Role, type RunResult, type ThreadSpec } from "./explore-types.js";

type Fn = (...a: number[]) => number;

const ROLE_EXPORT: Record<Role, string> = {
  "reader-task": "EX_ROLE_READER_TASK", "reader-irq-from-idle": "EX_ROLE_READER_IRQ_FROM_IDLE",
  "reader-softirq-idle": "EX_ROLE_READER_SOFTIRQ_IDLE", "reader-idle": "EX_ROLE_READER_IDLE", updater: "EX_ROLE_UPDATER",
};
const FLAVOR_EXPORT: Record<Flavor, string> = { rcu: "TORTURE_RCU", srcu: "TORTURE_SRCU", "srcu-fast": "TORTURE_SRCU_FAST" };

const enum St { New, Suspended, Done }

export class ExploreMachine {
  readonly memory: WebAssembly.Memory;
  readonly u32: Uint32Array;
  readonly g: Readonly<Record<string, number>>;
  readonly threads: readonly ThreadSpec[];
  /** Thread i runs on context i; the last thread is the kthread (context = number of CPUs). */
  readonly nThreads: number;
  readonly exBase: number;
  private readonly inst: Record<string, Fn>[] = [];
  private readonly asyncData: number[] = [];
  private snapshot!: Uint8Array;
  private state: St[] = [];
  private pending: Pending[] = [];
  private running = -1; private next = -1; private nextIrq = 0; private starting = false;
  private step = 0; private yielded = false; private yields = 0; private maxSteps = 0;
  private ticksLeft: number[] = []; private preemptedAt: number[] = [];
  private abort: string | undefined;
  private policy!: Policy; private check!: Check; private recorder: Recorder | undefined;

  constructor(module: WebAssembly.Module, readonly flavor: Flavor, threads: readonly ThreadSpec[], faults: readonly FaultName[], faultArg: number) {
    this.threads = threads;
    const cpus = threads.length;
    this.nThreads = cpus + 1;
    const layoutOnly = new WebAssembly.Instance(module, this.imports(new WebAssembly.Memory({ initial: 1, maximum: 1024, shared: true }), -1));
    const g: Record<string, number> = {};
    for (const [k, v] of Object.entries(layoutOnly.exports)) if (v instanceof WebAssembly.Global) g[k] = Number(v.value) >>> 0;
    this.g = g;
    const layout = g as never;
    this.memory = createMemory(layout, cpus);
    // After the layout: the explorer region, then one Asyncify stack per context.
    const end = g.PERCPU_BASE + (cpus + g.NR_EXTRA_CONTEXTS) * g.PERCPU_STRIDE;
    this.exBase = Math.ceil(end / 4096) * 4096;
    const ASYNC_STACK = 16384;
    const total = this.exBase + g.EX_REGION_BYTES + (cpus + 2) * ASYNC_STACK;
    const have = this.memory.buffer.byteLength;
    if (total > have) this.memory.grow(Math.ceil((total - have) / 65536));
    this.u32 = new Uint32Array(this.memory.buffer);
    const names = functionTableNames(module);
    for (let ctx = 0; ctx < cpus + 2; ctx++) {
      const table = new WebAssembly.Table({ initial: 1 + names.length, element: "anyfunc" });
      const instance = new WebAssembly.Instance(module, this.imports(this.memory, ctx, table));
      const ex = instance.exports as unknown as Record<string, Fn>;
      names.forEach((name, i) => table.set(1 + i, ex[name] as never));
      if (ex.cpu_init(ctx) !== 0) throw new Error(`cpu_init(${ctx}) failed: the explorer's memory has no machine header`);
      const data = this.exBase + g.EX_REGION_BYTES + ctx * ASYNC_STACK;
      this.asyncData.push(data);
      this.inst.push(ex);
    }
    let bits = 0;
    for (const f of faults) bits |= g[globalName("FAULT", f)];
    this.u32[g.RCU_FAULT_ARG >> 2] = faultArg;
    this.u32[g.RCU_FAULTS >> 2] = bits;
    this.irqFn = 1 + names.indexOf("cb_explore_irq");
    this.resetInstances();
    this.inst[cpus + 1].explore_setup(g[FLAVOR_EXPORT[flavor]]);
    new Uint8Array(this.memory.buffer).fill(0, this.exBase + g.EX_FAULT_EVALS, this.exBase + g.EX_FAULT_EVALS + 4 * g.EX_FAULT_EVALS_SLOTS); // runs only
    this.snapshot = new Uint8Array(this.memory.buffer).slice(0, this.exBase + g.EX_REGION_BYTES);
  }

  /** Per fault: evaluations of its faulted branch (assembly/rcu/faults.ts) in the last run, injected or not. */
  faultEvaluations = (): Record<FaultName, number> => Object.fromEntries(FAULT_NAMES.map((f) =>
    [f, this.u32[((this.exBase + this.g.EX_FAULT_EVALS) >> 2) + 31 - Math.clz32(this.g[globalName("FAULT", f)])]])) as Record<FaultName, number>;
  private irqFn = 0;
  /** The x86-TSO mode's store buffers (explore-tso.ts); undefined: sequentially consistent. */
  tso: StoreBuffers | undefined;
  /** Let deviations preempt the grace-period kthread too (off: it runs until it yields). */
  preemptKthread = false;
  private inRun = false;

  /** Per-instance registers of a new run: the explorer region, the tick handler, no interrupt in progress. */
  private resetInstances(): void {
    this.inst.forEach((ex, ctx) => {
      ex.explore_init(this.exBase);
      if (ctx < this.threads.length && (this.threads[ctx].ticks ?? 0) > 0) ex.explore_enable_irqs(this.irqFn);
    });
  }

  private imports(memory: WebAssembly.Memory, ctx: number, table = new WebAssembly.Table({ initial: 64, element: "anyfunc" })) {
    return { env: { memory, table, host_probe: () => {}, sched_point: (k: number, a: number, v: number, i: number) => this.schedPoint(ctx, k, a, v, i) } };
  }

  private schedPoint(t: number, kind: number, addr: number, value: number, irqsOn: number): number {
    if (!this.inRun) return 0; // set-up (cpu_init, explore_setup): no scheduling
    const ex = this.inst[t];
    if (ex.asyncify_get_state() === 2) {
      ex.asyncify_stop_rewind(); // resumed here: perform the access (after the chosen tick)
      const irq = this.nextIrq;
      this.nextIrq = 0;
      return this.execute(t, irq);
    }
    this.tso?.after(t); // its previous access is complete: a buffered store leaves memory
    this.pending[t] = { kind: kind & 0xff, w64: (kind & this.g.STEP_W64) !== 0, addr, value, irqsOn: irqsOn !== 0 };
    if (this.starting) return this.suspend(t);
    this.yielded = this.pending[t].kind === this.g.STEP_YIELD;
    if (this.yielded) this.tso?.drain(t); // a CPU that delays or polls drains its store buffer
    const choice = this.decide(t);
    if (choice === undefined) return this.suspend(t);
    if (choice.thread === t) return this.execute(t, choice.irq);
    this.next = choice.thread;
    this.nextIrq = choice.irq;
    return this.suspend(t);
  }

  private suspend(t: number): number {
    const data = this.asyncData[t];
    this.u32[data >> 2] = data + 8;
    this.u32[(data >> 2) + 1] = data + 16384;
    this.inst[t].asyncify_start_unwind(data);
    return 0;
  }

  private execute(t: number, irq: number): number {
    if (irq !== 0) this.ticksLeft[t]--; // the access is announced again after the handler
    else this.tso?.before(t, this.pending[t]);
    this.recorder?.(t, this.pending[t], irq, this.step);
    this.step++;
    return irq;
  }

  /** Check the properties, then ask the policy; undefined ends the run. */
  private decide(current: number): Choice | undefined {
    if (this.abort !== undefined) return undefined;
    const v = this.check(this.step);
    if (v !== undefined) {
      this.abort = v;
      return undefined;
    }
    if (this.step >= this.maxSteps) {
      this.abort = "";
      return undefined;
    }
    const cpuLeft = this.state.some((s, i) => i < this.nThreads - 1 && s !== St.Done);
    if (!cpuLeft) return undefined;
    const enabled: number[] = [];
    const irqOk: boolean[] = [];
    for (let i = 0; i < this.nThreads; i++) {
      if (this.state[i] !== St.Done) enabled.push(i);
      irqOk.push(this.ticksLeft[i] > 0 && (this.pending[i]?.irqsOn ?? false));
    }
    const preferred = enabled.filter((t) => this.preemptedAt[t] < 0 || this.yields - this.preemptedAt[t] > HOLD_OFF_YIELDS);
    const mayPreempt = current < 0 || this.yielded || this.state[current] === St.Done ||
      ((current < this.nThreads - 1 || this.preemptKthread) && this.pending[current]?.kind !== this.g.OP_SMP_MB);
    const c = this.policy({ step: this.step, current, yielded: this.yielded, enabled, irqOk, preferred: preferred.length ? preferred : enabled, mayPreempt });
    if (current >= 0 && this.state[current] !== St.Done && !this.yielded && c.thread !== current) this.preemptedAt[current] = this.yields;
    this.preemptedAt[c.thread] = -1;
    if (this.yielded) this.yields++;
    this.yielded = false;
    return c;
  }

  /** One run from the snapshot under `policy`, checking `check` before every access. */
  run(policy: Policy, check: Check, maxSteps: number, recorder?: Recorder): RunResult {
    new Uint8Array(this.memory.buffer).set(this.snapshot);
    this.resetInstances();
    this.tso?.reset();
    this.inRun = true;
    try {
      return this.runInner(policy, check, maxSteps, recorder);
    } finally {
      this.inRun = false;
    }
  }

  private runInner(policy: Policy, check: Check, maxSteps: number, recorder?: Recorder): RunResult {
    this.policy = policy;
    this.check = check;
    this.recorder = recorder;
    this.maxSteps = maxSteps;
    this.abort = undefined;
    this.step = 0;
    this.yielded = false;
    this.state = new Array(this.nThreads).fill(St.New);
    this.pending = new Array(this.nThreads);
    this.preemptedAt = new Array(this.nThreads).fill(-1);
    this.yields = 0;
    this.ticksLeft = this.threads.map((t) => t.ticks ?? 0).concat([0]);
    // Every program runs up to its first access and is suspended there.
    this.starting = true;
    for (let t = 0; t < this.nThreads; t++) this.enter(t);
    this.starting = false;
    this.running = -1;
    this.next = -1;
    const first = this.decide(-1);
    if (first === undefined) return this.result();
    this.next = first.thread;
    this.nextIrq = first.irq;
    while (this.next >= 0) {
      const t = this.next;
      this.next = -1;
      this.enter(t); // rewinds into its sched_point, which executes the access
      if (this.state[t] === St.Done && this.next < 0) {
        const c = this.decide(t);
        if (c === undefined) break;
        this.next = c.thread;
        this.nextIrq = c.irq;
      }
    }
    return this.result();
  }

  private result(): RunResult {
    const violation = this.abort === "" ? undefined : this.abort;
    return { steps: this.step, violation, truncated: this.abort === "", failedStep: violation !== undefined ? this.step : -1 };
  }

  /** Start or resume thread t until it finishes or is suspended. */
  private enter(t: number): void {
    const ex = this.inst[t];
    const wasNew = this.state[t] === St.New;
    if (!wasNew) ex.asyncify_start_rewind(this.asyncData[t]);
    this.running = t;
    if (t === this.nThreads - 1) ex.explore_kthread();
    else {
      const spec = this.threads[t];
      ex.explore_thread(this.g[ROLE_EXPORT[spec.role]], this.g[FLAVOR_EXPORT[this.flavor]], spec.n);
    }
    if (ex.asyncify_get_state() === 1) {
      ex.asyncify_stop_unwind();
      this.state[t] = St.Suspended;
    } else {
      this.state[t] = St.Done;
      this.tso?.after(t);
      this.tso?.drain(t);
    }
  }
}
