// The strategy table: every way of protecting a tracepoint call, the kernel version it
// stands for, its read side and update side, and the contexts where it is legal. Each
// names the exported loops that run its code (assembly/tracepoint/strategies.ts and
// torture.ts): strategies whose code is the same share them, and differ by property:
// "off" is plain's code with the tracepoint's static key disabled.
import type { ReleaseChain } from "../kernel/tracepoint.js";

export type Context = "task" | "irq" | "idle" | "nmi";
export const CONTEXTS: readonly Context[] = ["task", "irq", "idle", "nmi"];
/** Contexts the cost table measures: RCU watching (task) and not watching (idle). */
export type BenchContext = "task" | "idle";

export interface Strategy {
  readonly name: string;
  /** The kernel version or proposal; uncertain history is marked as such. */
  readonly standsFor: string;
  readonly readSide: string;
  readonly release: ReleaseChain;
  readonly updateSide: string;
  /** Where the strategy is legal to call. */
  readonly contexts: readonly Context[];
  /** Whether the tracepoint's static key is enabled (probes attached); false: "off". */
  readonly keyEnabled: boolean;
  /** Exported wasm loops: measured loop and torture loop. */
  readonly loop: string;
  readonly torture: string;
}

/** A row; `code` names the trace_<code>() body it runs (default: its own name). */
const S = (
  name: string, standsFor: string, readSide: string, release: ReleaseChain, updateSide: string, contexts: Context[],
  o: { code?: string; keyEnabled?: boolean } = {},
): Strategy => {
  const id = (o.code ?? name).replace(/[-+]/g, "_");
  return { name, standsFor, readSide, release, updateSide, contexts, keyEnabled: o.keyEnabled ?? true, loop: `trace_loop_${id}`, torture: `tp_torture_${id}` };
};

export const STRATEGIES: readonly Strategy[] = [
  S("off", "static key disabled (any version)", "one branch (plain's code, static key disabled)", "rcu-srcu", "-", ["task", "irq", "idle", "nmi"], { code: "plain", keyEnabled: false }),
  S("plain", "non-rcuidle trace_X() (v5.6, !LOCKDEP)", "cond (cpu_online), preempt_disable_notrace, rcu_dereference_raw, the probe loop, preempt_enable_notrace", "rcu-srcu", "call_rcu -> call_srcu -> free (paired with v5.6)", ["task", "irq", "nmi"]),
  S("rcuidle-irq", "rcuidle v4.18 (its own rcu_irq_enter: tests dynticks_nmi_nesting, calls rcu_nmi_enter(); CONFIG_NO_HZ_FULL + TASKS_RCU, !RCU_FAST_NO_HZ)", "cond, rcu_irq_enter_irqson ... rcu_irq_exit_irqson (v4.18) around the plain read side", "rcu", "call_rcu_sched -> free", ["task", "irq", "idle", "nmi"]),
  S("rcuidle-srcu", "commit e6753f23d961 alone (2018); by our reading superseded within v4.19 by 865e63b04e9b, so perhaps never in a release (unverified)", "cond, preempt_disable_notrace, srcu_read_lock_notrace(&tracepoint_srcu) ... unlock, preempt_enable_notrace", "rcu-srcu", "call_rcu_sched -> call_srcu -> free", ["task", "irq", "idle"]),
  S("rcuidle-srcu-irq", "rcuidle v4.19 to v6.12 (e6753f23d961 + 865e63b04e9b; first tag unverified; v5.6's code)", "cond, preempt_disable_notrace, SRCU lock, rcu_irq_enter_irqson, probes, exit, SRCU unlock, enable", "rcu-srcu", "call_rcu -> call_srcu -> free", ["task", "irq", "idle"]),
  S("rcuidle-watching", "proposal of 2020-03-10 (Desnoyers; not merged; on v5.6)", "cond, then if (!rcu_is_watching()) rcu_irq_enter_irqson() before the plain read side; exit only if entered", "rcu-srcu", "call_rcu -> call_srcu -> free (unchanged)", ["task", "irq", "idle", "nmi"]),
  S("noinstr", "v6.13 trace_X() without LOCKDEP: rcuidle removed, callers run where RCU watches", "cond, guard(preempt_notrace), __DO_TRACE_CALL through static_call (one probe: a direct call; more: __traceiter_X's loop)", "rcu", "call_rcu -> free", ["task", "irq", "nmi"]),
  S("noinstr+lockdep", "v6.13 trace_X() with CONFIG_LOCKDEP", "noinstr's read side, then outside the static branch: if (cond) WARN_ONCE(!rcu_is_watching()) (counted)", "rcu", "call_rcu -> free", ["task", "irq", "nmi"]),
  S("srcu-fast", "CONFIG_PREEMPT_RT kernels with fca6fa23c5a5 (2025, linux-next; the mainline release is unverified); non-RT kernels keep guard(preempt_notrace)", "cond, srcu_read_lock_fast_notrace + migrate_disable (kernel/sched/core.c, outermost call), __DO_TRACE_CALL through static_call, migrate_enable, unlock", "rcu-srcu-fast", "call_rcu -> call_srcu -> free", ["task", "irq"]),
];

export function strategy(name: string): Strategy {
  const s = STRATEGIES.find((x) => x.name === name);
  if (!s) throw new RangeError(`unknown strategy '${name}'; expected one of: ${STRATEGIES.map((x) => x.name).join(", ")}`);
  return s;
}
