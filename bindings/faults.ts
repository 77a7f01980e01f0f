// Names of the fault-injection bits and usage-error kinds of the module
// (assembly/rcu/faults.ts, assembly/rcu/usage.ts), in their order.

export const FAULTS = {
  "gp-skip-cpu": 1 << 0,
  "gp-ignore-nesting": 1 << 1,
  "gp-accept-stale": 1 << 2,
  "srcu-no-flip": 1 << 3,
  "srcu-no-scan1": 1 << 4,
  "reader-in-eqs": 1 << 5,
  // Broken variants kept for test/rcu-fidelity.test.ts; the torture does not reach their paths
  // (its ticks and scheduling points are legal, its NMIs do not nest): not in TORTURE_FAULTS.
  "sched-preempt-mask-only": 1 << 6,
  "tick-trusts-user": 1 << 7,
  "nmi-nest-unchecked": 1 << 8,
} as const;
export type FaultName = keyof typeof FAULTS;

export const USAGE_KINDS = [
  "sync-in-atomic", "unbalanced-unlock", "irq-exit-without-enter", "srcu-in-nmi", "srcu-fast-not-watching",
  "sched-in-atomic", "eqs-enter", "eqs-exit", "not-watching", "cb-overflow", "nmi-nesting",
  "irqs-enabled", "dynticks-underflow",
] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];
