// Values shared with the WebAssembly module. The module exports each as an immutable
// global (assembly/index.ts); the bindings keep only the NAMES and read every number from
// the module. A module whose numbering differs from what these names expect is refused
// when its layout is read (constantsProblems), so a change on one side cannot go unseen.

/** Fault-injection bits (assembly/rcu/faults.ts FAULT_*), by the name the CLI and API use. */
export const FAULT_NAMES = [
  "gp-skip-cpu", "gp-ignore-nesting", "gp-accept-stale", "srcu-no-flip", "srcu-no-scan1", "reader-in-eqs",
  // Broken variants kept for test/rcu-fidelity.test.ts and test/srcu.test.ts; the torture does
  // not reach their paths (its ticks and scheduling points are legal, its NMIs do not nest,
  // its writer never synchronizes inside its own reader): not in TORTURE_FAULTS.
  "sched-preempt-mask-only", "tick-trusts-user", "nmi-nest-unchecked", "srcu-sync-unchecked",
  // The v5.8 irq entry that skips rcu_irq_enter() when RCU watches (3eeec3858488): a torture
  // fault (rcutorture's softirq readers over idle with a nested tick; tracepoint torture's `tick`).
  "irq-entry-watching-shortcut",
  // Broken kernel paths kept for test/kernel-paths.test.ts: trace_hardirqs_off/on without the
  // tracing_irq_cpu guard, and a v5.6 syscall entry that calls the plain tracepoint.
  "trace-irq-no-guard", "entry-plain-tracepoint",
  // The v5.8 irq exit that drops rcu_irq_exit() (test/irq-paths.test.ts: the balance check's broken variant).
  "irq-exit-ignores-rcu-exit",
  // The v5.6 idle loop with the plain trace_cpu_idle() after rcu_idle_enter() (test/irq-paths.test.ts).
  "idle-plain-tracepoint",
  // The v5.6 NMI handler before rcu_nmi_enter(); preempt tracepoints at every level (test/irq-paths.test.ts).
  "nmi-trace-before-rcu", "preempt-trace-every-level",
  // The rcuidle tracepoint that ignores the scenario's body selector (test/scenarios.test.ts).
  "rcuidle-body-ignored",
  // Broken recursion guards and text_poke_bp kept for test/recursion.test.ts.
  "rec-guard-broken", "poke-emulates-old",
  // SRCU's read side without barrier B: in the stepping build only, for the explorer's x86-TSO mode.
  "srcu-no-barrier-b",
  // rcu_exp_handler() reporting an expedited QS inside a reader: kept for test/interrupts.test.ts.
  "exp-qs-in-reader",
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** Usage-error kinds (assembly/rcu/usage.ts USAGE_*), in slot order. */
export const USAGE_KINDS = [
  "sync-in-atomic", "unbalanced-unlock", "irq-exit-without-enter", "srcu-in-nmi", "srcu-fast-not-watching",
  "sched-in-atomic", "eqs-enter", "eqs-exit", "not-watching", "cb-overflow", "nmi-nesting",
  "irqs-enabled", "dynticks-underflow", "sync-in-srcu-reader",
] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

/** Op kinds of the counting build (assembly/primitives.ts OP_*), in slot order. */
export const OP_KINDS = [
  "read_once", "write_once", "this_cpu_rmw", "atomic_rmw", "smp_mb", "store_release",
  "branch", "indirect_call", "call", "irq_save", "irq_restore",
] as const;
export type OpKind = (typeof OP_KINDS)[number];

/** Errno values the tracepoint core returns (negated), by name. */
export const ERRNO_NAMES = ["ENOENT", "ENOMEM", "EEXIST", "EINVAL", "ENOSPC"] as const;
export type ErrnoName = (typeof ERRNO_NAMES)[number];

/** "gp-skip-cpu" -> "FAULT_GP_SKIP_CPU": the module's global of a name. */
export const globalName = (prefix: string, name: string) => `${prefix}_${name.toUpperCase().replace(/-/g, "_")}`;

/** Named constants the bindings read from the module (beyond the layout's offsets). */
export const REQUIRED_CONSTANTS = [
  ...FAULT_NAMES.map((n) => globalName("FAULT", n)),
  ...USAGE_KINDS.map((n) => globalName("USAGE", n)),
  ...OP_KINDS.map((n) => globalName("OP", n)),
  ...ERRNO_NAMES,
  "NR_USAGE_KINDS", "NR_OP_KINDS", "TRACEPOINT_DEFAULT_PRIO", "RCU_SEQ_STATE_MASK", "RCU_SEQ_CTR_SHIFT", "MIGHT_SLEEP_IRQS_OFF",
  "SRCU_FLAVOR_NONE", "SRCU_FLAVOR_NORMAL", "SRCU_FLAVOR_FAST", "GP_DOMAIN_RCU", "GP_DOMAIN_SRCU_BASE", "GP_DOMAIN_RCU_EXP",
  "IRQ_SCHED_OFF", "IRQ_SCHED_TICK", "IRQ_SCHED_EVERY", "IRQ_SCHED_RANDOM", "IRQ_ENTRY_V5_6", "IRQ_ENTRY_X86_V5_6", "IRQ_ENTRY_X86_V5_8", "NR_IRQ_ENTRIES",
  "GP_REQ_NORMAL", "GP_REQ_SYNC", "GP_REQ_EXPEDITED", "TORTURE_RCU", "TORTURE_SRCU", "TORTURE_SRCU_FAST",
  "TRACING_BUILD", "NR_RCUIDLE_BODIES", "NR_TEV_KINDS", "NR_DANCE_STEPS",
  "TPCTX_TASK", "TPCTX_IRQ", "TPCTX_IDLE", "TPCTX_NMI", "TPCTX_IRQ_IDLE", "TPCTX_NMI_IDLE", "TP_SRCU", "TP_SRCU_FAST", "TP_RELEASE_RCU", "TP_RELEASE_RCU_SRCU", "CALIBRATE_CHAIN_OPS",
] as const;

/**
 * What is wrong with the module's constants, seen from the names above: each kind list must
 * be numbered 0..n-1 in the order given (they index per-CPU slots), with n the module's own
 * count, and every fault a distinct single bit.
 */
export function constantsProblems(c: Readonly<Record<string, number>>): string[] {
  const problems: string[] = [];
  const ordered = (what: string, prefix: string, names: readonly string[], count: number) => {
    if (count !== names.length) problems.push(`the module has ${count} ${what}, the bindings know ${names.length} (${names.join(", ")})`);
    names.forEach((n, i) => {
      const v = c[globalName(prefix, n)];
      if (v !== i) problems.push(`${globalName(prefix, n)} is ${v} in the module; the bindings expect ${i} (the order of ${what} in bindings/abi/constants.ts)`);
    });
  };
  ordered("usage-error kinds", "USAGE", USAGE_KINDS, c.NR_USAGE_KINDS);
  ordered("op kinds", "OP", OP_KINDS, c.NR_OP_KINDS);
  let seen = 0;
  for (const n of FAULT_NAMES) {
    const b = c[globalName("FAULT", n)];
    if (!(b > 0) || (b & (b - 1)) !== 0 || (seen & b) !== 0) problems.push(`${globalName("FAULT", n)} = ${b} is not a distinct single bit`);
    seen |= b;
  }
  const known = new Set<string>(FAULT_NAMES.map((n) => globalName("FAULT", n)));
  for (const g of Object.keys(c)) if (g.startsWith("FAULT_") && !known.has(g)) problems.push(`the module exports ${g}, which bindings/abi/constants.ts does not name`);
  return problems;
}
