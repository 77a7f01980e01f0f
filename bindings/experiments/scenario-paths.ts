// The host's side of the path mix (assembly/kernel/path_mix.ts): which kernel paths a
// scenario may name, which tracepoint bodies it may compare, and the configuration words
// and per-CPU rings the module reads and writes. Every number comes from the module.
import type { Machine } from "../machine/machine.js";
import { STRATEGIES } from "./strategy-table.js";

export type KernelVersion = "v5.6" | "v5.8";
export const KERNEL_VERSIONS: readonly KernelVersion[] = ["v5.6", "v5.8"];

export interface PathDef {
  /** The name a scenario's mix uses. */
  readonly name: string;
  readonly kernel: KernelVersion;
  /** The module's PATH_* constant of this path. */
  readonly global: string;
  /** What runs, in kernel terms. */
  readonly runs: string;
}

/**
 * The paths of the mix. An interrupt, idle or NMI path adds one row here, one id line in
 * assembly/kernel/path_ids.ts and one `case` line in assembly/kernel/path_mix.ts run_path().
 */
export const PATHS: readonly PathDef[] = [
  { name: "syscall", kernel: "v5.6", global: "PATH_SYSCALL_V5_6", runs: "return to user mode and an invalid syscall from it, v5.6 order (TRACE_IRQS_OFF before enter_from_user_mode)" },
  { name: "syscall", kernel: "v5.8", global: "PATH_SYSCALL_V5_8", runs: "the same in the v5.8 noinstr order (trace_hardirqs_off_finish after user_exit_irqoff)" },
  { name: "irq-off-on", kernel: "v5.6", global: "PATH_IRQ_OFF_ON_V5_6", runs: "local_irq_disable(); local_irq_enable() with CONFIG_TRACE_IRQFLAGS (trace_hardirqs_off/on, v5.6)" },
  { name: "irq-off-on", kernel: "v5.8", global: "PATH_IRQ_OFF_ON_V5_8", runs: "the same with v5.8's trace_hardirqs_off/on" },
  { name: "sched-point", kernel: "v5.6", global: "PATH_SCHED_POINT", runs: "rcu_note_context_switch() (a scheduling point; reports a quiescent state)" },
  { name: "irq-from-task", kernel: "v5.6", global: "PATH_IRQ_FROM_TASK_V5_6", runs: "a tick interrupt over a task in the kernel: irq_enter() with rcu_irq_enter(), rcu_sched_clock_irq(), irq_exit() (v5.6 entry code)" },
  { name: "irq-from-task", kernel: "v5.8", global: "PATH_IRQ_FROM_TASK_V5_8", runs: "the same through v5.8's idtentry_enter_cond_rcu() (RCU already watching: no rcu_irq_enter)" },
  { name: "irq-from-user", kernel: "v5.6", global: "PATH_IRQ_FROM_USER_V5_6", runs: "return to user mode, a tick from user mode (TRACE_IRQS_OFF twice, enter_from_user_mode), then the next syscall: v5.6 order" },
  { name: "irq-from-user", kernel: "v5.8", global: "PATH_IRQ_FROM_USER_V5_8", runs: "the same in the v5.8 order" },
  { name: "idle", kernel: "v5.6", global: "PATH_IDLE_V5_6", runs: "one pass of do_idle(): trace_cpu_idle_rcuidle, rcu_idle_enter, sti; hlt, the waking tick from idle, rcu_idle_exit (v5.6)" },
  { name: "nmi", kernel: "v5.6", global: "PATH_NMI_V5_6", runs: "an NMI over a task: nmi_enter() (rcu_nmi_enter), nmi_handle() with the plain nmi_handler tracepoint, nmi_exit() (v5.6)" },
  { name: "tracepoint", kernel: "v5.6", global: "PATH_TRACEPOINT", runs: "one call of the tracepoint in task context with the strategy's body (the probe alone or inside its read side)" },
];

export const PATH_NAMES: readonly string[] = [...new Set(PATHS.map((p) => p.name))];

export function findPath(name: string, kernel: KernelVersion): PathDef | undefined {
  return PATHS.find((p) => p.name === name && p.kernel === kernel);
}

/** A strategy a scenario can compare: the body of the rcuidle tracepoint, or "off" (static key disabled). */
export interface BodyDef {
  readonly name: string;
  /** The module's RCUIDLE_BODY_* constant (off: the default body, never reached). */
  readonly global: string;
  /** false: no probe is registered, the static key stays disabled. */
  readonly keyEnabled: boolean;
}

export const BODIES: readonly BodyDef[] = [
  { name: "off", global: "RCUIDLE_BODY_SRCU_IRQ", keyEnabled: false },
  { name: "rcuidle-srcu-irq", global: "RCUIDLE_BODY_SRCU_IRQ", keyEnabled: true },
  { name: "rcuidle-irq", global: "RCUIDLE_BODY_IRQ", keyEnabled: true },
  { name: "rcuidle-srcu", global: "RCUIDLE_BODY_SRCU", keyEnabled: true },
  { name: "rcuidle-watching", global: "RCUIDLE_BODY_WATCHING", keyEnabled: true },
  { name: "noinstr+lockdep", global: "RCUIDLE_BODY_NOINSTR_LOCKDEP", keyEnabled: true },
  { name: "plain", global: "RCUIDLE_BODY_PLAIN", keyEnabled: true },
  { name: "srcu-fast", global: "RCUIDLE_BODY_SRCU_FAST", keyEnabled: true },
];
export const BODY_NAMES: readonly string[] = BODIES.map((b) => b.name);

/** The strategy table's row of a body (what it stands for), for reports. */
export const standsFor = (name: string) => STRATEGIES.find((s) => s.name === name)?.standsFor ?? name;

const i32 = (m: Machine) => new Int32Array(m.memory.buffer);
const constant = (m: Machine, g: string) => {
  const v = m.layout[g];
  if (v === undefined) throw new Error(`the wasm module does not export ${g}; rebuild with npm run build`);
  return v;
};

/** Choose the rcuidle tracepoint's body (SCN_RCUIDLE_BODY). */
export function setBody(m: Machine, body: BodyDef): void {
  Atomics.store(i32(m), m.layout.SCN_RCUIDLE_BODY >> 2, constant(m, body.global));
}

/** Write the mix: paths and weights (cumulative, out of 2^32 - 1), the tracepoint id, nohz_full. */
export function writeMix(m: Machine, mix: readonly { path: PathDef; weight: number }[], tpId: number, nohzFull: boolean): void {
  const L = m.layout, v = i32(m);
  if (mix.length < 1 || mix.length > L.NR_MIX_PATHS) throw new RangeError(`a mix has 1..${L.NR_MIX_PATHS} entries; got ${mix.length}`);
  const total = mix.reduce((a, e) => a + e.weight, 0);
  if (!(total > 0)) throw new RangeError("the weights of a mix must add up to more than 0");
  let acc = 0;
  mix.forEach((e, i) => {
    acc += e.weight;
    const cum = i === mix.length - 1 ? 0xffffffff : Math.min(0xffffffff, Math.round((acc / total) * 0x100000000));
    Atomics.store(v, (L.SCN_MIX_PATH >> 2) + i, constant(m, e.path.global));
    Atomics.store(v, (L.SCN_MIX_CUM >> 2) + i, cum | 0);
  });
  Atomics.store(v, L.SCN_MIX_TP >> 2, tpId);
  Atomics.store(v, L.SCN_MIX_NOHZ_FULL >> 2, nohzFull ? 1 : 0);
  Atomics.store(v, L.SCN_MIX_NR >> 2, mix.length);
}

/** Paths CPU `cpu` has run, by path id. */
export function pathCounts(m: Machine, cpu: number): number[] {
  const L = m.layout;
  return Array.from({ length: L.NR_MIX_PATHS }, (_, p) => Number(m.readPerCpuI64(cpu, L.PCPU_PATH_COUNTS + 8 * p)));
}

/** The rcuidle tracepoint's calls and those that found RCU watching, all and irq_disable's (counting build only). */
export function rcuidleStats(m: Machine, cpu: number): { calls: number; watching: number; offCalls: number; offWatching: number } {
  const L = m.layout;
  const r = (off: number) => Number(m.readPerCpuI64(cpu, L.PCPU_RCUIDLE_STATS + off));
  return { calls: r(L.RIS_CALLS), watching: r(L.RIS_WATCHING), offCalls: r(L.RIS_OFF_CALLS), offWatching: r(L.RIS_OFF_WATCHING) };
}

/** One entry of a context's ring (assembly/tracepoint/trace_events.ts). */
export interface RingEvent {
  readonly seq: number;
  readonly ctx: number;
  readonly kind: number;
  readonly value: number;
  readonly arg: number;
}

/** Choose drop (true) or overwrite mode for the tracing build's events (SCN_TRACE_DROP). */
export function setTraceDrop(m: Machine, drop: boolean): void {
  Atomics.store(i32(m), m.layout.SCN_TRACE_DROP >> 2, drop ? 1 : 0);
}

/**
 * Drain context `ctx`'s ring: the entries between tail and head (the newest RING_SIZE when
 * more were written), then tail = head. The Atomics.load of head pairs with the module's
 * release store of it. Returns the events and how many were lost (dropped or overwritten).
 */
export function drainRing(m: Machine, ctx: number): { events: RingEvent[]; lost: number } {
  const L = m.layout, v = i32(m);
  const ring = L.RING_BASE + ctx * L.RING_STRIDE;
  const head = Atomics.load(v, (ring + L.RING_HEAD) >> 2) >>> 0;
  const tail = Atomics.load(v, (ring + L.RING_TAIL) >> 2) >>> 0;
  const from = head - tail > L.RING_SIZE ? head - L.RING_SIZE : tail;
  const events: RingEvent[] = [];
  for (let k = from; k < head; k++) {
    const e = (ring + L.RING_ENTRIES + (k % L.RING_SIZE) * L.RING_ENTRY_SIZE) >> 2;
    const data = v[e + 2] >>> 0;
    events.push({ seq: v[e] >>> 0, ctx: v[e + 1] >>> 0, kind: data >>> 24, value: data & 0xffffff, arg: v[e + 3] >>> 0 });
  }
  Atomics.store(v, (ring + L.RING_TAIL) >> 2, head);
  const lost = (Atomics.exchange(v, (ring + L.RING_DROPS) >> 2, 0) >>> 0) + (Atomics.exchange(v, (ring + L.RING_OVERWRITES) >> 2, 0) >>> 0);
  return { events, lost };
}
