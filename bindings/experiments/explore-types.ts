// The explorer's vocabulary, shared by its machine, schedulers and reports: the CPU
// programs, the decisions a scheduler makes and what it sees when it makes them.
/** What a CPU program is (assembly/explore/programs.ts EX_ROLE_*). */
export type Role = "reader-task" | "reader-irq-from-idle" | "reader-softirq-idle" | "reader-idle" | "updater";
export type Flavor = "rcu" | "srcu" | "srcu-fast";
export interface ThreadSpec {
  readonly role: Role;
  /** Sections (readers) or updates (updater). */
  readonly n: number;
  /** Scheduling-clock ticks the scheduler may deliver on this CPU. */
  readonly ticks?: number;
}

/** A pending access: what the suspended CPU does when it runs next. */
/** `kind`: the primitive's op kind (OP_*) or STEP_YIELD; `w64`: a 64-bit access. */
export interface Pending { kind: number; w64: boolean; addr: number; value: number; irqsOn: boolean }

/** A decision: which thread executes its pending access next, and whether a tick comes first. */
export interface Choice { readonly thread: number; readonly irq: number }

/** What the policy sees at a decision. */
export interface Decision {
  readonly step: number;
  /** The thread that ran last (-1 at the start); `yielded`: it asked to give the CPU away. */
  readonly current: number;
  readonly yielded: boolean;
  /** Threads that can run, in index order (the kthread last, only while CPU programs remain). */
  readonly enabled: readonly number[];
  /** Per thread: may a tick be delivered before its pending access. */
  readonly irqOk: readonly boolean[];
  /**
   * The threads the default policy resumes: enabled ones, except a thread that a deviation
   * preempted, which stays off until HOLD_OFF_YIELDS yields have passed (so that the others
   * can finish what they wait for, e.g. a grace period) or a deviation picks it again.
   */
  readonly preferred: readonly number[];
  /**
   * May a deviation switch away from the current thread here: at the start, at a yield or
   * an end; and before an access of a preemptible thread other than a full barrier (under
   * the sequentially consistent execution of the explorer a fence orders nothing, so a
   * switch before it equals a switch before the next access). The kthread is preemptible
   * only with ExploreMachine.preemptKthread.
   */
  readonly mayPreempt: boolean;
}

/** Yields (by any thread) a preempted thread is held off by the default policy. */
export const HOLD_OFF_YIELDS = 8;

export type Policy = (d: Decision) => Choice;
/** Called before each decision (after the previous access): a property violation ends the run. */
export type Check = (step: number) => string | undefined;
/** Called for each executed access when recording. */
export type Recorder = (thread: number, p: Pending, irq: number, step: number) => void;

export interface RunResult { steps: number; violation?: string; truncated: boolean; failedStep: number }
