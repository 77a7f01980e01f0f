// A scenario file, checked: first against scenarios/schema.json (the shape; the schema
// ships with the package so editors check files too), then against what the schema cannot
// say (a path in the kernel version asked, weights that add up to something, a baseline
// among the strategies). Errors name the file and the field, what was expected and what
// was found.
import { tooDeep, validate, unsupportedKeywords, shown, type JsonSchema } from "./json-schema.js";
import { BODIES, PATHS, findPath, type BodyDef, type KernelVersion, type PathDef } from "./scenario-paths.js";

export interface MixEntry {
  readonly path: PathDef;
  readonly weight: number;
}

export interface Variant {
  readonly name: string;
  readonly mix: readonly MixEntry[];
  readonly nohzFull: boolean;
}

export type InterruptSchedule = { kind: "none" | "every-n-ops" | "random" | "tick"; everyOps?: number; meanOps?: number; hz?: number; kernel?: "v5.6" | "v5.8" };

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly claim?: { readonly source: string; readonly quote: string };
  readonly cpus: number;
  readonly iterations?: number;
  readonly durationMs?: number;
  readonly reps: number;
  readonly strategies: readonly BodyDef[];
  readonly baseline?: BodyDef;
  readonly probes: readonly ("count" | "empty" | "record")[];
  /** Rows beside the strategies; a scenario without `variants` has one, named after its mix. */
  readonly variants: readonly Variant[];
  readonly updater: { readonly cyclesPerBatch: number };
  readonly interrupts?: InterruptSchedule;
  readonly seed: number;
  readonly trace: { readonly paths: number };
}

export class ScenarioError extends Error {
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file} is not a valid scenario (scenarios/schema.json):\n  - ${problems.join("\n  - ")}`);
    this.name = "ScenarioError";
  }
}

/** Check the schema itself once: every keyword must be one the validator knows. */
export function checkSchema(schema: JsonSchema): void {
  const bad = unsupportedKeywords(schema);
  if (bad.length) throw new Error(`scenarios/schema.json uses keywords the validator does not implement: ${bad.join(", ")}`);
}

/** The interrupt schedule's fields and the kind each applies to (kernel: the tick's x86 entry code). */
const INTERRUPT_FIELDS = [["everyOps", "every-n-ops"], ["meanOps", "random"], ["hz", "tick"], ["kernel", "tick"]] as const;

type RawMix = { path: string; kernel?: KernelVersion; weight: number }[];

function mixOf(raw: RawMix, field: string, problems: string[]): MixEntry[] {
  const out: MixEntry[] = [];
  raw.forEach((e, i) => {
    const kernel = e.kernel ?? "v5.6";
    const p = findPath(e.path, kernel);
    if (!p) {
      const have = PATHS.filter((x) => x.name === e.path).map((x) => x.kernel);
      problems.push(`${field}[${i}].kernel: path '${e.path}' exists in ${have.join(", ") || "no kernel version"}; found ${shown(kernel)}`);
    } else out.push({ path: p, weight: e.weight });
  });
  const sum = raw.reduce((a, e) => a + e.weight, 0);
  // Each weight is a finite number (the schema's type check); their sum can still overflow
  // to Infinity, and every share (weight / sum) would then be 0 or NaN.
  if (!Number.isFinite(sum)) {
    problems.push(`${field}: expected weights whose sum is a finite number (at most ${Number.MAX_VALUE}); found ${raw.map((e) => e.weight).join(" + ")}, which overflows: scale the weights down`);
  } else if (sum <= 0) problems.push(`${field}: expected weights that add up to more than 0; found ${raw.map((e) => e.weight).join(" + ")}`);
  return out;
}

const mixName = (mix: readonly MixEntry[]) => mix.map((e) => `${e.path.name}@${e.path.kernel}`).join("+");

/** Arrays and objects nested deeper than this are refused before the (recursive) schema check. */
const MAX_DEPTH = 32;

/** Parse the text of scenario file `file` against `schema`; throws ScenarioError with every problem found. */
export function parseScenario(text: string, file: string, schema: JsonSchema): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(file, [`(the file): expected JSON, found text that does not parse: ${(e as Error).message}`]);
  }
  const deep = tooDeep(raw, MAX_DEPTH);
  if (deep) {
    const at = deep.path.length > 80 ? `${deep.path.slice(0, 60)}...` : deep.path;
    throw new ScenarioError(file, [`${at}: nested ${deep.depth} levels deep (arrays and objects); a scenario nests at most ${MAX_DEPTH} (a valid one needs 5: the objects of variants[i].mix[j])`]);
  }
  const problems = validate(raw, schema);
  if (problems.length) throw new ScenarioError(file, problems);
  const r = raw as {
    name: string; description?: string; claim?: Scenario["claim"]; cpus: number; iterations?: number; durationMs?: number; reps?: number;
    mix: RawMix; strategies: string[]; baseline?: string; probes?: Scenario["probes"]; nohzFull?: boolean;
    variants?: { name: string; mix?: RawMix; nohzFull?: boolean }[]; updater?: { cyclesPerBatch?: number };
    interrupts?: InterruptSchedule; seed?: number; trace?: { paths?: number };
  };
  const mix = mixOf(r.mix, "mix", problems);
  const nohzFull = r.nohzFull ?? false;
  const variants: Variant[] = (r.variants ?? [{ name: "" }]).map((v, i) => {
    const vm = v.mix ? mixOf(v.mix, `variants[${i}].mix`, problems) : mix;
    return { name: v.name || (r.variants ? mixName(vm) : "mix"), mix: vm, nohzFull: v.nohzFull ?? nohzFull };
  });
  const names = new Set<string>();
  variants.forEach((v, i) => {
    if (names.has(v.name)) problems.push(`variants[${i}].name: expected a name no other variant has; found ${shown(v.name)} twice`);
    names.add(v.name);
  });
  if (r.baseline !== undefined && !r.strategies.includes(r.baseline)) {
    problems.push(`baseline: expected one of the scenario's strategies (${r.strategies.join(", ")}); found ${shown(r.baseline)}`);
  }
  const interrupts = r.interrupts;
  if (interrupts) {
    const need = { "every-n-ops": "everyOps", random: "meanOps", tick: "hz", none: undefined }[interrupts.kind];
    if (need && !(need in interrupts)) problems.push(`interrupts.${need}: required field missing (kind '${interrupts.kind}' needs it)`);
    for (const [field, kind] of INTERRUPT_FIELDS) {
      if (kind !== interrupts.kind && field in interrupts) problems.push(`interrupts.${field}: applies to kind '${kind}', not to kind '${interrupts.kind}': drop it or set kind '${kind}'`);
    }
  }
  if (problems.length) throw new ScenarioError(file, problems);
  const body = (n: string) => BODIES.find((b) => b.name === n)!;
  return {
    name: r.name, description: r.description ?? "", claim: r.claim, cpus: r.cpus, iterations: r.iterations, durationMs: r.durationMs,
    reps: r.reps ?? 5, strategies: r.strategies.map(body), baseline: r.baseline === undefined ? undefined : body(r.baseline),
    probes: r.probes ?? ["count"], variants, updater: { cyclesPerBatch: r.updater?.cyclesPerBatch ?? 0 }, interrupts,
    seed: r.seed ?? 1, trace: { paths: r.trace?.paths ?? 200 },
  };
}

/** The schema's enums must name what the bindings know (test/scenarios.test.ts checks it). */
export function schemaEnums(schema: JsonSchema): { paths: unknown[]; strategies: unknown[] } {
  const props = schema.properties as Record<string, JsonSchema>;
  const mixItems = ((schema.$defs as Record<string, JsonSchema>).mix.items as JsonSchema).properties as Record<string, JsonSchema>;
  return { paths: mixItems.path.enum as unknown[], strategies: (props.strategies.items as JsonSchema).enum as unknown[] };
}

