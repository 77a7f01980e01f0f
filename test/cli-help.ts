// rcu-lab's commands and their options as the built CLI's --help prints them (commander's
// own listing: what the command line really accepts), for tests that check every option.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const cli = fileURLToPath(new URL("../dist/bindings/cli/main.js", import.meta.url));

export interface HelpOption {
  /** The long flag, e.g. "--strategies". */
  readonly flag: string;
  /** "<list>" for an option that takes a value. */
  readonly value?: string;
  /** The default as printed (quotes removed). */
  readonly default?: string;
  readonly choices?: readonly string[];
  readonly description: string;
}

function help(args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args, "--help"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`rcu-lab ${args.join(" ")} --help exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The entries of a help section ("Options:", "Commands:"), continuation lines joined. */
function section(text: string, title: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const entries: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "") break;
    if (/^ {2}\S/.test(line)) entries.push(line.trim());
    else entries[entries.length - 1] += ` ${line.trim()}`;
  }
  return entries;
}

/** rcu-lab's commands (help excluded). */
export function commands(): string[] {
  return section(help([]), "Commands:").map((e) => e.split(" ")[0]).filter((c) => c !== "help");
}

/** The options of `command` (--help excluded). */
export function helpOptions(command: string): HelpOption[] {
  return section(help([command]), "Options:").flatMap((e) => {
    const m = /^(?:-\w, )?(--[\w-]+)(?: (<[^>]+>))?\s+(.*)$/.exec(e);
    if (!m || m[1] === "--help") return [];
    const description = m[3];
    const def = /default: ("[^"]*"|[^,)]+)\)?/.exec(description)?.[1].replace(/^"|"$/g, "");
    const choices = /\(choices: ((?:"[^"]*"(?:, )?)+)/.exec(description)?.[1].split(", ").map((c) => c.replace(/"/g, ""));
    return [{ flag: m[1], value: m[2], default: def, choices, description }];
  });
}
