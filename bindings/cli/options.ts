// What every rcu-lab command shares: option parsers that say what was wrong, the exit
// statuses, the usage error, and the deadline option.
import { InvalidArgumentError, type Command } from "commander";
import fs from "node:fs";
import path from "node:path";
import { DeadlineError } from "../machine/errors.js";

/** Exit statuses of rcu-lab (README "Exit statuses"). */
export const EXIT = { PASS: 0, FAIL: 1, USAGE: 2, INCONCLUSIVE: 3 } as const;

/** A command line that cannot be run as given: exit status 2, no help dump. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function positiveInt(what: string, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+(e\d+)?$/i.test(v.trim()) || !Number.isInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${what} must be an integer in 1..${max}; got '${v}'`);
    }
    return n;
  };
}

export function positiveNumber(what: string, max = Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`${what} must be a positive number${max < Infinity ? ` up to ${max}` : ""}; got '${v}'`);
    return n;
  };
}

export function nonNegativeInt(what: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || n > 0xffffffff) throw new InvalidArgumentError(`${what} must be an integer in 0..4294967295; got '${v}'`);
    return n;
  };
}

export const list = (v: string) => v.split(",").map((x) => x.trim()).filter(Boolean);

/** Whether the user gave option `name` (attribute name, e.g. "spinUs") on the command line. */
export const explicit = (cmd: Command, name: string) => cmd.getOptionValueSource(name) === "cli";

/** --deadline <seconds>: the longest one command may run before the CPU is declared stuck. */
export const DEFAULT_DEADLINE_S = 60;
export function addDeadlineOption(cmd: Command, defaultS = DEFAULT_DEADLINE_S): Command {
  return cmd.option(
    "--deadline <seconds>",
    `seconds one command (one timed batch, one torture step) may run before its CPU is declared stuck (default ${defaultS})`,
    positiveNumber("--deadline", 86_400),
    defaultS,
  );
}

/** An error of the run, reworded for the command line (a deadline names --deadline). */
export function cliMessage(e: unknown, command?: string): string {
  if (e instanceof DeadlineError) {
    return `CPU ${e.cpu}: command '${e.command}' did not finish within its deadline of ${e.deadlineMs / 1000} s; ` +
      `if the work is just long (many --iterations), rerun with a larger --deadline <seconds>${command ? ` (rcu-lab ${command} --deadline ...)` : ""}`;
  }
  return e instanceof Error ? e.message : String(e);
}

/** Fail before any measuring when `file` cannot be written (missing or read-only directory, a directory). */
export function checkWritable(file: string, option: string): void {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  let why: string | undefined;
  if (!fs.existsSync(dir)) why = `directory ${dir} does not exist`;
  else if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) why = `${abs} is a directory`;
  else {
    try {
      fs.accessSync(fs.existsSync(abs) ? abs : dir, fs.constants.W_OK);
    } catch {
      why = `${fs.existsSync(abs) ? abs : `directory ${dir}`} is not writable`;
    }
  }
  if (why) throw new UsageError(`${option} ${file}: cannot write there: ${why}; expected a file path in an existing, writable directory`);
}
