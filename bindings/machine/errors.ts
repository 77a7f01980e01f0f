// Errors the machine raises. Each says what was wrong, what was expected, what to do.

/** A call on a machine that close() has ended. */
export class MachineClosedError extends Error {
  constructor(what: string) {
    super(`${what}: the machine is closed; create a new one with Machine.create()`);
    this.name = "MachineClosedError";
  }
}

/** A command that failed on a CPU (a trap, a thrown error, or a dead worker). */
export class CpuError extends Error {
  constructor(readonly cpu: number, readonly command: string, detail: string) {
    super(`CPU ${cpu}: command '${command}' failed: ${detail}`);
    this.name = "CpuError";
  }
}

/** A command that did not finish before its deadline. The CPU is then considered stuck. */
export class DeadlineError extends Error {
  constructor(readonly cpu: number, readonly command: string, readonly deadlineMs: number) {
    super(
      `CPU ${cpu}: command '${command}' did not finish within its deadline of ${deadlineMs} ms; ` +
        `the CPU is now marked stuck (close the machine; pass a larger deadlineMs if the work is just long)`,
    );
    this.name = "DeadlineError";
  }
}

/** The workers of a new machine that did not all come up before the deadline (deadlineMs). */
export class StartupTimeoutError extends Error {
  constructor(readonly workers: number, readonly deadlineMs: number) {
    super(`the CPUs did not come up within ${deadlineMs} ms (deadlineMs; ${workers} workers: the CPUs and the grace-period kthread): pass a larger deadlineMs`);
    this.name = "StartupTimeoutError";
  }
}
