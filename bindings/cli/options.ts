// What every rcu-lab command shares: option parsers that say what was wrong, the exit
// statuses, the usage error, and the deadline option.
import { InvalidArgumentError, type Command } from "commander";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { tooDeep } from "../experiments/json-schema.js";
import { GracePeriodTimeoutError } from "../kernel/rcu.js";
import { DeadlineError, StartupTimeoutError } from "../machine/errors.js";

/**
 * Exit statuses of rcu-lab (README "Exit statuses"); explore's 4 is EXIT_BUDGET. UNWRITTEN:
 * the result was computed but an output file could not be written (its text went to stdout).
 */
export const EXIT = { PASS: 0, FAIL: 1, USAGE: 2, INCONCLUSIVE: 3, UNWRITTEN: 5 } as const;

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

/**
 * A comma-separated list option's parser: refuses an empty list, an empty entry ("a,,b")
 * and an entry given twice ("idle,idle"), naming the option.
 */
export function commaList(what: string) {
  return (v: string): string[] => {
    const items = v.split(",").map((x) => x.trim());
    if (items.some((x) => x === "")) throw new InvalidArgumentError(`${what} must be a comma-separated list of names with none empty; got '${v}'`);
    const twice = items.find((x, i) => items.indexOf(x) !== i);
    if (twice !== undefined) throw new InvalidArgumentError(`${what} names '${twice}' twice in '${v}'; give each once`);
    return items;
  };
}

/**
 * Refuse, on every option of `cmd`, an empty value (`--strategies ""`) and an option given
 * twice (`--strategy a --strategy b`: commander would keep the last silently), naming the
 * option. Commander emits "option:<name>" once per occurrence on the command line.
 */
const REPEATABLE = /\(repeatable\)/;

export function refuseEmptyAndRepeated(cmd: Command): Command {
  // by attribute: --tso and --no-tso set the same one
  const seen = new Map<string, { flag: string; value?: string }>();
  for (const opt of cmd.options) {
    const flag = opt.long ?? opt.short ?? opt.name();
    cmd.on(`option:${opt.name()}`, (v: unknown) => {
      const value = typeof v === "string" ? v : undefined;
      if (value !== undefined && value.trim() === "") {
        throw new UsageError(`${flag} was given an empty value; expected ${opt.flags.replace(/^.*?</, "<")}: give a value or drop ${flag}`);
      }
      const before = seen.get(opt.attributeName());
      // An option whose help says "(repeatable)" (bench --cost NAME=CYCLES) gathers its
      // occurrences; its own parser refuses the same entry twice. The help and the rule are one.
      if (before && !REPEATABLE.test(opt.description)) {
        const what = before.flag === flag ? `${flag} given twice` : `${before.flag} and ${flag} given together`;
        const values = before.value !== undefined ? ` ('${before.value}', then '${value}')` : "";
        throw new UsageError(`${what}${values}; the command takes one: keep one`);
      }
      seen.set(opt.attributeName(), { flag, value });
    });
  }
  return cmd;
}

/** Whether the user gave option `name` (attribute name, e.g. "spinUs") on the command line. */
export const explicit = (cmd: Command, name: string) => cmd.getOptionValueSource(name) === "cli";

/** --deadline <seconds>: the longest one command may run before the CPU is declared stuck. */
export const DEFAULT_DEADLINE_S = 60;
export function addDeadlineOption(cmd: Command, defaultS = DEFAULT_DEADLINE_S): Command {
  return cmd.option(
    "--deadline <seconds>",
    "seconds the CPUs may take to come up, and one command (one timed batch, one torture step) may run, before a CPU is declared stuck",
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
  if (e instanceof StartupTimeoutError) {
    return `the CPUs (${e.workers} workers with the grace-period kthread) did not come up within --deadline ${e.deadlineMs / 1000} s; ` +
      `on a loaded machine they need longer: rerun with a larger --deadline <seconds>${command ? ` (rcu-lab ${command} --deadline ...)` : ""}`;
  }
  if (e instanceof GracePeriodTimeoutError) {
    return `${e.message}; the wait's deadline was --deadline ${e.deadlineMs / 1000} s: if the machine is just loaded, rerun with a larger --deadline <seconds>${command ? ` (rcu-lab ${command} --deadline ...)` : ""}`;
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

/**
 * Refuse a JSON file nested deeper than any rcu-lab file is (32 arrays or objects), by its
 * field path and depth, before a parser that recurses (or prints the value) overflows the
 * stack with "Maximum call stack size exceeded". Text that is not JSON is left to the parser.
 */
export function refuseDeepJson(text: string, file: string, what: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return;
  }
  const deep = tooDeep(value, 32);
  if (deep) throw new UsageError(`${what} ${file}: ${deep.path.length > 80 ? `${deep.path.slice(0, 60)}...` : deep.path}: nested ${deep.depth} levels deep (arrays and objects); expected at most 32`);
}

/**
 * End this process when its parent does. npm runs a script through `sh -c`, and SIGTERM to
 * npm reaches that shell only: without this, `npm start` or `npm run bench` stopped that way
 * would go on measuring without a parent (and a bench's native loops with it, which die with
 * this process: bench/native/die-with-parent.h). Checked every 200 ms.
 */
export function endWithParent(who: string): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid === parent) return;
    process.stderr.write(`${who}: the parent process (pid ${parent}: npm or its shell) has ended; stopping\n`);
    process.exit(128 + os.constants.signals.SIGTERM);
  }, 200).unref();
}

/** Output files this run could not write (main.ts then exits with EXIT.UNWRITTEN). */
export const unwritten: string[] = [];

/**
 * Write a result to `file` (given with `option`). When that fails at the end of a run (the
 * check before the run passed; then the disk filled, the directory went away...), the result
 * is not lost: its text goes to stdout, the reason to stderr, and rcu-lab exits with
 * EXIT.UNWRITTEN, never a verdict's status. `flag` "wx" refuses an existing file (EEXIST is
 * thrown, for the caller to pick another name). Returns whether the file was written.
 */
export function writeResult(file: string, text: string, option: string, flag: "w" | "wx" = "w"): boolean {
  try {
    fs.writeFileSync(file, text, { flag });
    return true;
  } catch (e) {
    if (flag === "wx" && (e as NodeJS.ErrnoException).code === "EEXIST") throw e;
    process.stderr.write(`rcu-lab: ${option} ${file}: cannot write the result (${(e as Error).message}); it follows on stdout instead (exit status ${EXIT.UNWRITTEN})\n`);
    process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    unwritten.push(file);
    return false;
  }
}
