// The host's API to interrupts delivered to running CPUs (assembly/kernel/irq_delivery.ts):
// each CPU's schedule (every N operations, random with a seed, the scheduling-clock tick at
// a rate in Hz, or off), the interrupt entry path it runs, IPIs, and delivery counts. An
// "operation" is one interrupt-enabled point the CPU passes (a syscall loop iteration, a
// torture reader section, one step of irq_poll_loop). Configure a CPU while it is between
// commands; the configuration runs in the host's own context.
import type { KernelHost } from "./host.js";

export type IrqSchedule =
  | { kind: "off" }
  /** A device interrupt every `ops` operations: exactly floor(n / ops) in n operations from configure(). */
  | { kind: "every"; ops: number }
  /** Gaps uniform in [1, 2 * meanOps - 1] operations, from a generator seeded with `seed` (reproducible). */
  | { kind: "random"; seed: number; meanOps: number }
  /** The scheduling-clock tick at `hz` (default: the kernel's HZ), raised by the emulated timer; none while the CPU is in an EQS (NO_HZ). */
  | { kind: "tick"; hz?: number };

/**
 * Interrupt entry/exit paths a CPU can run (assembly/kernel/irq_delivery.ts IRQ_ENTRY_*, in
 * this order): "v5.6", kernel/softirq.c irq_enter()/irq_exit() around the handler; "x86-v5.6"
 * and "x86-v5.8", the timer through the whole x86 entry code of that version (entry_64.S with
 * its TRACE_IRQS_OFF calls; idtentry_enter_cond_rcu()), IPIs and device interrupts as "v5.6".
 */
export const IRQ_ENTRIES = ["v5.6", "x86-v5.6", "x86-v5.8"] as const;
export type IrqEntry = (typeof IRQ_ENTRIES)[number];

/** Interrupts delivered to one CPU, by vector, and what rcu_exp_handler() did there. */
export interface IrqDeliveries {
  device: number;
  timer: number;
  ipi: number;
  /** rcu_exp_handler() runs (in call-function IPIs of expedited grace periods). */
  expHandler: number;
  /** Expedited quiescent states this CPU reported (from the handler, or deferred to its next rcu_qs()). */
  expReported: number;
}

const U32_MAX = 0xffffffff;

function checkInt(what: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${what} must be an integer in ${min}..${max}; got ${JSON.stringify(v)}`);
  }
  return v;
}

export class Interrupts {
  constructor(private readonly host: KernelHost) {}

  private get cpus(): number {
    return Atomics.load(this.host.i32, this.host.layout.HDR_NR_CPUS >> 2);
  }

  private cpu(cpu: unknown, what: string): number {
    return checkInt(`${what}: cpu`, cpu, 0, this.cpus - 1);
  }

  /** Set CPU `cpu`'s interrupt schedule and entry path (default v5.6's irq_enter()/irq_exit()). */
  configure(cpu: number, schedule: IrqSchedule, o: { entry?: IrqEntry } = {}): void {
    const what = "interrupts.configure";
    this.host.check(what);
    const c = this.cpu(cpu, what);
    const L = this.host.layout;
    const entry = o.entry ?? "v5.6";
    const entryIndex = IRQ_ENTRIES.indexOf(entry);
    if (IRQ_ENTRIES.length !== L.NR_IRQ_ENTRIES) throw new Error(`${what}: the module has ${L.NR_IRQ_ENTRIES} entry paths, IRQ_ENTRIES names ${IRQ_ENTRIES.length}: rebuild`);
    if (entryIndex < 0) throw new RangeError(`${what}: entry must be one of ${IRQ_ENTRIES.join(", ")}; got ${JSON.stringify(entry)}`);
    const kind = (schedule as { kind?: unknown } | undefined)?.kind;
    let mode: number, arg = 0, seed = 0;
    switch (kind) {
      case "off":
        mode = L.IRQ_SCHED_OFF;
        break;
      case "every":
        mode = L.IRQ_SCHED_EVERY;
        arg = checkInt(`${what}: every.ops (operations between interrupts)`, (schedule as { ops: unknown }).ops, 1, U32_MAX);
        break;
      case "random": {
        const s = schedule as { seed: unknown; meanOps: unknown };
        mode = L.IRQ_SCHED_RANDOM;
        arg = checkInt(`${what}: random.meanOps (mean operations between interrupts)`, s.meanOps, 1, 0x7fffffff);
        seed = checkInt(`${what}: random.seed`, s.seed, 0, U32_MAX);
        break;
      }
      case "tick":
        mode = L.IRQ_SCHED_TICK;
        arg = checkInt(`${what}: tick.hz (ticks per second)`, (schedule as { hz?: unknown }).hz ?? L.HZ, 1, 100_000);
        break;
      default:
        throw new RangeError(`${what}: schedule.kind must be "off", "every", "random" or "tick"; got ${JSON.stringify(kind)}`);
    }
    const rc = this.host.exports.irq_schedule_set(c, mode, arg, seed, L.IRQ_ENTRY_V5_6 + entryIndex);
    if (rc !== 0) throw new Error(`${what}: the module refused schedule ${JSON.stringify(schedule)} for CPU ${c}`);
  }

  /** The schedule kind CPU `cpu` runs now. */
  scheduleKind(cpu: number): IrqSchedule["kind"] {
    this.host.open("interrupts.scheduleKind");
    const L = this.host.layout, m = this.host.exports.irq_schedule_mode(this.cpu(cpu, "interrupts.scheduleKind"));
    return m === L.IRQ_SCHED_EVERY ? "every" : m === L.IRQ_SCHED_RANDOM ? "random" : m === L.IRQ_SCHED_TICK ? "tick" : "off";
  }

  /** Send CPU `cpu` an IPI (smp_call_function_single() with no function): taken at its next interrupt-enabled point, or in its idle loop. */
  sendIpi(cpu: number): void {
    this.host.check("interrupts.sendIpi");
    this.host.exports.irq_send_ipi(this.cpu(cpu, "interrupts.sendIpi"));
  }

  /** The vectors pending on CPU `cpu` (IRQ_VEC_* bits): raised, not yet taken. */
  pending(cpu: number): number {
    this.host.open("interrupts.pending");
    const L = this.host.layout;
    return Atomics.load(this.host.i32, (L.PERCPU_BASE + this.cpu(cpu, "interrupts.pending") * L.PERCPU_STRIDE + L.PCPU_IRQ_PENDING) >> 2) >>> 0;
  }

  /** Interrupts delivered to CPU `cpu` since the machine started. */
  deliveries(cpu: number): IrqDeliveries {
    this.host.open("interrupts.deliveries");
    const L = this.host.layout, c = this.cpu(cpu, "interrupts.deliveries");
    const dv = new DataView(this.host.i32.buffer);
    const at = (off: number) => Number(dv.getBigUint64(L.PERCPU_BASE + c * L.PERCPU_STRIDE + L.PCPU_IRQ_STATS + off, true));
    return {
      device: at(L.IRQ_ST_DEVICE), timer: at(L.IRQ_ST_TIMER), ipi: at(L.IRQ_ST_IPI),
      expHandler: at(L.IRQ_ST_EXP_HANDLER), expReported: at(L.IRQ_ST_EXP_REPORTED),
    };
  }
}
