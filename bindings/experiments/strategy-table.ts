// The strategy table: every way of protecting a tracepoint call, the kernel version it
// stands for, its read side and update side, and the contexts where it is legal. Each
// names the exported loops that run its code (assembly/tracepoint/strategies.ts and
// torture.ts): strategies whose code is the same share them, and differ by property:
// "off" is plain's code with the tracepoint's static key disabled.
import type { ReleaseChain } from "../kernel/tracepoint.js";

/**
 * Where a tracepoint is called (assembly/tracepoint/torture.ts): task context, an irq over a
 * task, the idle loop (after rcu_idle_enter(), interrupts enabled), an NMI over a task, an
 * irq over idle (irq_enter() -> rcu_irq_enter()), an NMI over idle (rcu_nmi_enter()).
 */
export type Context = "task" | "irq" | "idle" | "nmi" | "irq-idle" | "nmi-idle";
export const CONTEXTS: readonly Context[] = ["task", "irq", "idle", "nmi", "irq-idle", "nmi-idle"];
/** Contexts the cost table measures: RCU watching (task) and not watching (idle). */
export type BenchContext = "task" | "idle";

export interface Strategy {
  readonly name: string;
  /** The kernel version or proposal; uncertain history is marked as such. */
  readonly standsFor: string;
  readonly readSide: string;
  readonly release: ReleaseChain;
  readonly updateSide: string;
  /** Where the strategy is legal to call (the kernel's rules; the measured verdicts are profiles/safety.json). */
  readonly contexts: readonly Context[];
  /**
   * Contexts where the strategy is unsafe by its code although no run can show it, with
   * the reason: the `safe` column says NO there whatever the torture verdict.
   */
  readonly unsafeByCode?: Readonly<Partial<Record<Context, string>>>;
  /** Whether the tracepoint's static key is enabled (probes attached); false: "off". */
  readonly keyEnabled: boolean;
  /** Exported wasm loops: measured loop and torture loop. */
  readonly loop: string;
  readonly torture: string;
}

/** A row; `code` names the trace_<code>() body it runs (default: its own name). */
const S = (
  name: string, standsFor: string, readSide: string, release: ReleaseChain, updateSide: string, contexts: Context[],
  o: { code?: string; keyEnabled?: boolean; unsafeByCode?: Partial<Record<Context, string>> } = {},
): Strategy => {
  const id = (o.code ?? name).replace(/[-+]/g, "_");
  return {
    name, standsFor, readSide, release, updateSide, contexts, unsafeByCode: o.unsafeByCode,
    keyEnabled: o.keyEnabled ?? true, loop: `trace_loop_${id}`, torture: `tp_torture_${id}`,
  };
};

export const STRATEGIES: readonly Strategy[] = [
  S("off", "static key disabled (any version)", "one branch (plain's code, static key disabled)", "rcu-srcu", "-", ["task", "irq", "idle", "nmi", "irq-idle", "nmi-idle"], { code: "plain", keyEnabled: false }),
  S("plain", "non-rcuidle trace_X() (v5.6, !LOCKDEP)", "cond (cpu_online), preempt_disable_notrace, rcu_dereference_raw, the probe loop, preempt_enable_notrace", "rcu-srcu", "call_rcu -> call_srcu -> free (paired with v5.6)", ["task", "irq", "nmi", "irq-idle", "nmi-idle"]),
  S("rcuidle-irq", "rcuidle v4.18 (its own rcu_irq_enter: tests dynticks_nmi_nesting, calls rcu_nmi_enter(); CONFIG_NO_HZ_FULL + TASKS_RCU, !RCU_FAST_NO_HZ)", "cond, rcu_irq_enter_irqson ... rcu_irq_exit_irqson (v4.18) around the plain read side", "rcu", "call_rcu_sched -> free", ["task", "irq", "idle", "nmi", "irq-idle", "nmi-idle"]),
  S("rcuidle-srcu", "commit e6753f23d961 alone (2018); by our reading superseded within v4.19 by 865e63b04e9b, so perhaps never in a release (unverified)", "cond, preempt_disable_notrace, srcu_read_lock_notrace(&tracepoint_srcu) ... unlock, preempt_enable_notrace", "rcu-srcu", "call_rcu_sched -> call_srcu -> free", ["task", "irq", "idle", "irq-idle"]),
  S("rcuidle-srcu-irq", "rcuidle v4.19 to v6.12 (e6753f23d961 + 865e63b04e9b; first tag unverified; v5.6's code)", "cond, preempt_disable_notrace, SRCU lock, rcu_irq_enter_irqson, probes, exit, SRCU unlock, enable", "rcu-srcu", "call_rcu -> call_srcu -> free", ["task", "irq", "idle", "irq-idle"]),
  S("rcuidle-watching", "proposal of 2020-03-10 (Desnoyers; not merged; on v5.6)", "cond, then if (!rcu_is_watching()) rcu_irq_enter_irqson() before the plain read side; exit only if entered", "rcu-srcu", "call_rcu -> call_srcu -> free (unchanged)", ["task", "irq", "idle", "nmi", "irq-idle", "nmi-idle"]),
  S("noinstr", "v6.13 trace_X() without LOCKDEP: rcuidle removed, callers run where RCU watches", "cond, guard(preempt_notrace), __DO_TRACE_CALL through static_call (one probe: a direct call; more: __traceiter_X's loop)", "rcu", "call_rcu -> free", ["task", "irq", "nmi", "irq-idle", "nmi-idle"]),
  S("noinstr+lockdep", "v6.13 trace_X() with CONFIG_LOCKDEP", "noinstr's read side, then outside the static branch: if (cond) WARN_ONCE(!rcu_is_watching()) (counted)", "rcu", "call_rcu -> free", ["task", "irq", "nmi", "irq-idle", "nmi-idle"]),
  S("srcu-fast", "CONFIG_PREEMPT_RT kernels with fca6fa23c5a5 (2025, linux-next; the mainline release is unverified); non-RT kernels keep guard(preempt_notrace)", "cond, srcu_read_lock_fast_notrace + migrate_disable (kernel/sched/core.c, outermost call), __DO_TRACE_CALL through static_call, migrate_enable, unlock", "rcu-srcu-fast", "call_rcu -> call_srcu -> free", ["task", "irq", "nmi", "irq-idle", "nmi-idle"], {
    unsafeByCode: {
      idle:
        "SRCU-fast's update side replaces the readers' smp_mb() with an RCU grace period (synchronize_rcu(), X), which orders only readers RCU watches; " +
        "a reader in the idle loop's extended quiescent state is invisible to it (srcu_read_lock_fast() WARNs there under lockdep; the _notrace variant the " +
        "tracepoint uses checks nothing). No run shows it on x86: the missing order is a store buffer's drain, nanoseconds against a grace period's milliseconds",
    },
  }),
];

export function strategy(name: string): Strategy {
  const s = STRATEGIES.find((x) => x.name === name);
  if (!s) throw new RangeError(`unknown strategy '${name}'; expected one of: ${STRATEGIES.map((x) => x.name).join(", ")}`);
  return s;
}
