// The layering of bindings/ (docs/architecture.md): imports only go downward, no cycles,
// Node-only modules only where Node is the platform, files short enough to read. The checks
// are run on the real tree and, as their broken variants, on small trees that break them.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bindings");

/** Layers from the bottom; a file may import its own layer or a lower one. */
const LAYERS = ["abi", "platform", "worker", "kernel", "machine", "experiments", "cli", "index.ts", "browser.ts"] as const;
const RANK: Record<string, number> = { abi: 0, platform: 0, worker: 1, kernel: 2, machine: 3, experiments: 4, cli: 5, "index.ts": 6, "browser.ts": 6 };
/** Thread entry points: roots like the CLI, allowed to import the layer they start. */
const ENTRY_POINTS = new Set(["platform/node-worker.ts", "platform/browser-worker.ts"]);
/** Where a `node:` import may appear: the platform adapters and the Node CLI. */
const NODE_ALLOWED = ["platform/", "cli/"];
const MAX_LINES = 250;

type Tree = Map<string, string>; // path relative to bindings/ -> source

function readTree(dir: string, base = dir, out: Tree = new Map()): Tree {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) readTree(p, base, out);
    else if (e.name.endsWith(".ts")) out.set(path.relative(base, p).split(path.sep).join("/"), fs.readFileSync(p, "utf8"));
  }
  return out;
}

function imports(file: string, src: string): { relative: string[]; node: string[] } {
  const relative: string[] = [], node: string[] = [];
  for (const m of src.matchAll(/(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith("node:")) node.push(spec);
    else if (spec.startsWith(".")) relative.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, ".ts"));
  }
  return { relative, node };
}

const layerOf = (file: string) => (file.includes("/") ? file.slice(0, file.indexOf("/")) : file);

/** Every way `tree` breaks the layering rules. */
export function layeringProblems(tree: Tree): string[] {
  const problems: string[] = [];
  const edges = new Map<string, string[]>();
  for (const [file, src] of tree) {
    const { relative, node } = imports(file, src);
    edges.set(file, relative.filter((t) => tree.has(t)));
    const layer = layerOf(file);
    if (!(layer in RANK)) problems.push(`${file}: not in a layer (${LAYERS.join(", ")})`);
    for (const t of relative) {
      if (!tree.has(t)) problems.push(`${file} imports ${t}, which does not exist`);
      else if (!ENTRY_POINTS.has(file) && RANK[layerOf(t)] > RANK[layer]) problems.push(`${file} (${layer}) imports ${t} (${layerOf(t)}): upward`);
    }
    if (node.length && !NODE_ALLOWED.some((d) => file.startsWith(d))) problems.push(`${file} imports ${node.join(", ")}: only ${NODE_ALLOWED.join(", ")} may`);
    const lines = src.split("\n").length;
    if (lines > MAX_LINES && !/over \d+ lines because/.test(src.slice(0, 600))) problems.push(`${file}: ${lines} lines, and no reason stated at its top`);
  }
  // Cycles: depth-first search, reporting each back edge's loop.
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (u: string) => {
    state.set(u, 1);
    stack.push(u);
    for (const v of edges.get(u) ?? []) {
      if (state.get(v) === 1) problems.push(`import cycle: ${[...stack.slice(stack.indexOf(v)), v].join(" -> ")}`);
      else if (!state.has(v)) visit(v);
    }
    stack.pop();
    state.set(u, 2);
  };
  for (const f of edges.keys()) if (!state.has(f)) visit(f);
  return problems;
}

describe("the layers of bindings/", () => {
  it("imports only go downward, with no cycle, no stray node: import and no overlong file", () => {
    const tree = readTree(root);
    expect(tree.size).toBeGreaterThan(20);
    expect(layeringProblems(tree)).toEqual([]);
  });

  it("the check catches an upward import, a cycle, a node: import in the machine layer and a long file (broken variants)", () => {
    const tree: Tree = new Map([
      ["abi/a.ts", 'import { x } from "../kernel/k.js";\n'],
      ["kernel/k.ts", 'import { y } from "./j.js";\n'],
      ["kernel/j.ts", 'import { z } from "./k.js";\n'],
      ["machine/m.ts", 'import fs from "node:fs";\n'],
      ["experiments/long.ts", "//\n".repeat(MAX_LINES + 1)],
      ["experiments/long-with-reason.ts", `// over ${MAX_LINES} lines because it is one table\n${"//\n".repeat(MAX_LINES + 1)}`],
    ]);
    const p = layeringProblems(tree);
    expect(p).toContainEqual(expect.stringMatching(/abi\/a\.ts \(abi\) imports kernel\/k\.ts \(kernel\): upward/));
    expect(p).toContainEqual(expect.stringMatching(/import cycle: kernel\/k\.ts -> kernel\/j\.ts -> kernel\/k\.ts/));
    expect(p).toContainEqual(expect.stringMatching(/machine\/m\.ts imports node:fs/));
    expect(p).toContainEqual(expect.stringMatching(/experiments\/long\.ts: \d+ lines/));
    expect(p.some((x) => x.startsWith("experiments/long-with-reason.ts"))).toBe(false);
  });
});
