// Every measured figure in README.md and docs/*.md names the machine it came from: a
// section (one heading to the next) that holds a figure with a time unit (ns, us, ms, s,
// minutes, GHz, cycles; a rate per second; a row of a table whose header names such a unit)
// names a CPU model (or says "machine not recorded") and the Node, Chromium or gcc version
// the figure ran on (or that it was not recorded). Figures in inline code are commands and
// options, not measurements, and are skipped; so are sections listed in PARAMETER_SECTIONS,
// whose time figures are the kernel's or the tool's settings. Text only: nothing is run.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** A number (or a range of two) followed by a time unit: a measured figure unless a parameter. */
const FIGURE = /(?<![\w.-])\d+(?:[.,]\d+)*(?:\s*-\s*\d+(?:[.,]\d+)*)?\s*(?:ns|µs|us|ms|s|minutes?|GHz|cycles?)(?![\w-])/;
/** A rate: a number and, a few words on, "per second" (accesses, schedules). */
const RATE = /\d[\d.,]*[^.\d]{0,30}?(?:per\s+second|\/s\b)/;
/** A table header that puts a time unit on its column: the cells below are figures. */
const UNIT_HEADER = /\b(?:ns|µs|us|ms|GHz|cycles|seconds|time)\b/;
const TABLE_RULE = /^\s*\|(?:\s*:?-+:?\s*\|)+\s*$/;
/** A CPU model, or the words that say it is unknown. */
const MACHINE = /\b(?:Xeon|EPYC|Zen \d|Core i\d|Core 2|Ryzen|Apple M\d)\b|machine not recorded/;
/** The engine (emulated figures: Node, or the browser) or the compiler (native figures), or that it is unknown. */
const TOOLCHAIN = /\bNode v?\d+|\bChromium \d+|\bgcc \d+|machine not recorded|(?:Node|gcc)(?: and gcc)? versions? not recorded/;

/** Sections whose time figures are settings (HZ, delays, defaults), not measurements: file -> headings. */
const PARAMETER_SECTIONS: Record<string, string[]> = {
  "README.md": [
    "The RCU core and the torture oracle", // the default run length
    "Interrupts delivered to running CPUs", // the polling period, the runs' length
    "Time: HZ and the grace-period timing", // CONFIG_HZ and v5.6's delays
    "Using the machine from code", // the default deadline
  ],
  "docs/architecture.md": ["The mailbox"], // the wait's wake-up period
};

interface Section { file: string; heading: string; line: number; text: string }
interface Unnamed { file: string; heading: string; line: number; figure: string; missing: string }

/** Splits markdown at its headings (a `#` line outside a fenced code block). */
function sections(file: string, markdown: string): Section[] {
  const out: Section[] = [];
  let cur: Section = { file, heading: "(top)", line: 1, text: "" };
  let fenced = false;
  markdown.split("\n").forEach((l, i) => {
    if (/^\s*```/.test(l)) fenced = !fenced;
    if (!fenced && /^#{1,6}\s/.test(l)) {
      out.push(cur);
      cur = { file, heading: l.replace(/^#+\s*/, ""), line: i + 1, text: "" };
    } else cur.text += l + "\n";
  });
  out.push(cur);
  return out;
}

/** The first measured figure of a section, outside inline code; null if it has none. */
function firstFigure(text: string): string | null {
  const lines = text.split("\n").map((l) => l.replace(/`[^`]*`/g, "``"));
  let unitTable = false; // inside a table whose header names a time unit
  for (const [i, l] of lines.entries()) {
    if (!/^\s*\|/.test(l)) unitTable = false;
    else if (TABLE_RULE.test(lines[i + 1] ?? "")) unitTable = UNIT_HEADER.test(l);
    else if (unitTable && !TABLE_RULE.test(l) && /\d/.test(l)) return l.trim().slice(0, 60);
  }
  const prose = lines.join("\n");
  return (prose.match(FIGURE) ?? prose.match(RATE))?.[0].replace(/\s+/g, " ") ?? null;
}

/** Sections with a figure that do not name where it came from. */
function unnamedFigures(file: string, markdown: string, parameterSections: string[] = []): Unnamed[] {
  const out: Unnamed[] = [];
  for (const s of sections(file, markdown)) {
    if (parameterSections.includes(s.heading)) continue;
    const figure = firstFigure(s.text);
    if (!figure) continue;
    const missing = [MACHINE.test(s.text) ? "" : "a CPU model (or \"machine not recorded\")",
      TOOLCHAIN.test(s.text) ? "" : "a Node or gcc version"].filter(Boolean).join(" and ");
    if (missing) out.push({ file: s.file, heading: s.heading, line: s.line, figure, missing });
  }
  return out;
}

function shippedDocs(): string[] {
  const docs = fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
  return ["README.md", ...docs.sort()];
}

describe("every measured figure in README.md and docs/ names its machine", () => {
  it("each section with a time figure names a CPU model and a Node or gcc version (or says they were not recorded)", () => {
    const files = shippedDocs();
    expect(files.length).toBeGreaterThan(5);
    const found = files.flatMap((f) => unnamedFigures(f, fs.readFileSync(path.join(root, f), "utf8"), PARAMETER_SECTIONS[f]));
    expect(found.map((u) => `${u.file}:${u.line} "${u.heading}": ${u.figure}; missing ${u.missing}`)).toEqual([]);
  });

  it("the exempted parameter sections exist (a renamed heading must not exempt nothing)", () => {
    for (const [file, headings] of Object.entries(PARAMETER_SECTIONS)) {
      const names = sections(file, fs.readFileSync(path.join(root, file), "utf8")).map((s) => s.heading);
      for (const h of headings) expect(names, `${file}: ${h}`).toContain(h);
    }
  });

  it("broken variant: a section with an unnamed figure is flagged, in prose, a table or a code block", () => {
    const md = [
      "# Title", "Intro without figures.",
      "## Prose", "The loop took 4.8 ns per call.",
      "## Table", "| row | ns |", "|---|---|", "| plain | 2.90 ns |",
      "## Code", "```", "explored 89 schedules in 0.67 s", "```",
      "## Range", "every CPU ran 13-42 ms",
      "## Clock", "clock 3.66 GHz here",
      "## Unit table", "| strategy | wasm ns |", "|---|---|", "| plain | 2.90 [2.77-3.00] |",
      "## Rate", "about 0.6 to 1.3 million accesses per second",
      "## Minutes", "the comparison alone (1-4 minutes)",
      "## Named", "On a 2-vCPU Intel Xeon VM, Node 20.20.2: 4.8 ns.",
      "## CPU only", "On an AMD EPYC (Zen 5) VM: 4.8 ns.",
      "## Unknown", "machine not recorded: 4.8 ns.",
      "## Native", "AMD EPYC VM, gcc 12.2.0: 120 cycles.",
      "## Option only", "Run `rcu-lab torture --seconds 4` or `--deadline 60 s`.",
    ].join("\n");
    const flagged = unnamedFigures("x.md", md).map((u) => `${u.heading}: ${u.figure} (${u.missing})`);
    expect(flagged).toEqual([
      "Prose: 4.8 ns (a CPU model (or \"machine not recorded\") and a Node or gcc version)",
      "Table: | plain | 2.90 ns | (a CPU model (or \"machine not recorded\") and a Node or gcc version)",
      "Code: 0.67 s (a CPU model (or \"machine not recorded\") and a Node or gcc version)",
      "Range: 13-42 ms (a CPU model (or \"machine not recorded\") and a Node or gcc version)",
      "Clock: 3.66 GHz (a CPU model (or \"machine not recorded\") and a Node or gcc version)",
      "Unit table: | plain | 2.90 [2.77-3.00] | (a CPU model (or \"machine not recorded\") and a Node or gcc version)",
      "Rate: 1.3 million accesses per second (a CPU model (or \"machine not recorded\") and a Node or gcc version)",
      "Minutes: 1-4 minutes (a CPU model (or \"machine not recorded\") and a Node or gcc version)",
      "CPU only: 4.8 ns (a Node or gcc version)",
    ]);
  });

  it("a machine named in one section does not cover a figure in the next", () => {
    const md = "## A\nOn a 2-vCPU Intel Xeon VM, Node 20.20.2: 4.8 ns.\n## B\nThe loop took 9.6 ns.\n";
    expect(unnamedFigures("x.md", md).map((u) => u.heading)).toEqual(["B"]);
  });

  it("a heading inside a fenced code block does not start a section", () => {
    const md = "## A\nIntel Xeon, Node 20\n```\n# not a heading\n9.57 ns\n```\n";
    expect(sections("x.md", md).map((s) => s.heading)).toEqual(["(top)", "A"]);
    expect(unnamedFigures("x.md", md)).toEqual([]);
  });
});
