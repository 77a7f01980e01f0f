// The explorer's built-in configurations: small machines (a reader or two, an updater, the
// grace-period kthread, ticks) where the existing broken variants show, and the fault
// each one is for. Each fault is referred to through FAULT_NAMES, so a renamed fault is
// one edit here.
import { FAULT_NAMES, type FaultName } from "../abi/constants.js";
import type { Flavor, ThreadSpec } from "./explore-types.js";

export interface ExploreConfig {
  readonly name: string;
  readonly description: string;
  readonly flavor: Flavor;
  /** CPU i runs cpus[i]; the grace-period kthread is an extra context. */
  readonly cpus: readonly ThreadSpec[];
  /** The fault argument (gp-skip-cpu: the CPU whose quiescent state is not waited for). */
  readonly faultArg?: number;
}

export const CONFIGS: readonly ExploreConfig[] = [
  {
    name: "rcu-task", flavor: "rcu", faultArg: 0,
    description: "CPU0: an rcu_read_lock_sched() section in task context, then a context switch; CPU1: one update (publish, synchronize_rcu, free)",
    cpus: [{ role: "reader-task", n: 1 }, { role: "updater", n: 1 }],
  },
  {
    name: "rcu-irq-idle", flavor: "rcu",
    description: "CPU0: a section in an irq taken from idle (rcu_irq_enter/exit); CPU1: one update",
    cpus: [{ role: "reader-irq-from-idle", n: 1 }, { role: "updater", n: 1 }],
  },
  {
    name: "rcu-softirq-tick", flavor: "rcu",
    description: "CPU0: a section in the softirq of an irq from idle (irqs on), one scheduling-clock tick may nest anywhere; CPU1: one update",
    cpus: [{ role: "reader-softirq-idle", n: 1, ticks: 1 }, { role: "updater", n: 1 }],
  },
  {
    name: "rcu-mixed", flavor: "rcu",
    description: "CPU0: a task-context section, a tick may come; CPU1: a section in an irq from idle; CPU2: one update",
    cpus: [{ role: "reader-task", n: 1, ticks: 1 }, { role: "reader-irq-from-idle", n: 1 }, { role: "updater", n: 1 }],
  },
  {
    name: "srcu-task", flavor: "srcu",
    description: "CPU0: an srcu_read_lock() section in task context; CPU1: two updates (synchronize_srcu)",
    cpus: [{ role: "reader-task", n: 1 }, { role: "updater", n: 2 }],
  },
  {
    name: "srcu-idle", flavor: "srcu",
    description: "CPU0: an SRCU section in the idle loop (RCU not watching); CPU1: one update",
    cpus: [{ role: "reader-idle", n: 1 }, { role: "updater", n: 1 }],
  },
  {
    name: "srcu-fast-task", flavor: "srcu-fast",
    description: "CPU0: an srcu_read_lock_fast() section in task context; CPU1: two updates",
    cpus: [{ role: "reader-task", n: 1 }, { role: "updater", n: 2 }],
  },
];

export const DEFAULT_CONFIG = "rcu-mixed";

/** The tick shortcut of v5.8-rc (3eeec3858488): the issue calls it irq-entry-watching-shortcut. */
const TICK_SHORTCUT = tickShortcut();
function tickShortcut(): FaultName {
  const f = (FAULT_NAMES as readonly string[]).find((n) => n === "irq-entry-watching-shortcut");
  if (!f) throw new Error("FAULT_NAMES has no tick-shortcut fault (irq-entry-watching-shortcut)");
  return f as FaultName;
}

/** The configuration each fault is explored in (and its preemption bound there) when none is given. */
export const FAULT_CONFIG: Partial<Record<FaultName, { config: string; bound: number; tso?: boolean }>> = {
  "reader-in-eqs": { config: "rcu-irq-idle", bound: 1 },
  "gp-skip-cpu": { config: "rcu-task", bound: 1 },
  "gp-ignore-nesting": { config: "rcu-irq-idle", bound: 1 },
  "srcu-no-flip": { config: "srcu-task", bound: 1 },
  "srcu-no-scan1": { config: "srcu-task", bound: 2 },
  [TICK_SHORTCUT]: { config: "rcu-softirq-tick", bound: 1 },
  // What barrier B orders is visible only with store buffers: the x86-TSO mode.
  "srcu-no-barrier-b": { config: "srcu-task", bound: 1, tso: true },
};

export function configByName(name: string): ExploreConfig {
  const c = CONFIGS.find((x) => x.name === name);
  if (!c) throw new RangeError(`unknown explore configuration '${name}'; expected one of: ${CONFIGS.map((x) => x.name).join(", ")}`);
  return c;
}

/**
 * The faults the explorer can select: those whose faulted branch some configuration
 * evaluates (explore.ts faultReach decides it from the stepping build at run time; this list,
 * which `explore --help` offers, is checked against it by test/explore.test.ts).
 */
export const EXPLORE_FAULTS: readonly FaultName[] = [
  "gp-skip-cpu", "gp-ignore-nesting", "gp-accept-stale", "reader-in-eqs", TICK_SHORTCUT, "srcu-no-flip", "srcu-no-scan1", "srcu-no-barrier-b",
];
