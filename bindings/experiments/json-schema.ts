// A validator for the subset of JSON Schema (draft 2020-12) that scenarios/schema.json uses:
// type, enum, const, required, properties, additionalProperties: false, items, minItems,
// maxItems, uniqueItems, minimum, maximum, exclusiveMinimum, minLength, oneOf of `required`
// alternatives, and $defs/$ref. Written here rather than taken from ajv: the subset is
// small, the package stays at two runtime dependencies, and every error can say the field,
// what was expected and what was found in words a scenario's author reads.
// A keyword outside the subset is refused when the schema is loaded, not ignored.

export type JsonSchema = { readonly [k: string]: unknown };

const KNOWN = new Set([
  "$schema", "$id", "$defs", "$ref", "title", "description", "default", "examples", "type", "enum", "const", "required",
  "properties", "additionalProperties", "items", "minItems", "maxItems", "uniqueItems", "minimum", "maximum",
  "exclusiveMinimum", "minLength", "oneOf",
]);

/** Keywords of `schema` (and its subschemas) outside the supported subset. */
export function unsupportedKeywords(schema: JsonSchema, at = "#"): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(schema)) {
    if (!KNOWN.has(k)) out.push(`${at}/${k}`);
    if (k === "properties" || k === "$defs") for (const [n, s] of Object.entries(v as object)) out.push(...unsupportedKeywords(s as JsonSchema, `${at}/${k}/${n}`));
    if (k === "items") out.push(...unsupportedKeywords(v as JsonSchema, `${at}/items`));
    if (k === "oneOf") (v as JsonSchema[]).forEach((s, i) => out.push(...unsupportedKeywords(s, `${at}/oneOf/${i}`)));
  }
  return out;
}

/**
 * The first array or object nested more than `max` levels deep in `value`: its field path
 * (`mix[0][0]`...) and depth (the top is depth 1), or undefined. Iterative: a file nested
 * thousands of levels deep is measured, not a stack overflow (which validate() and
 * shown()'s JSON.stringify would hit).
 */
export function tooDeep(value: unknown, max: number): { path: string; depth: number } | undefined {
  const stack: [unknown, string, number][] = [[value, "", 1]];
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > max) return { path: path || "(the file)", depth };
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, `${path}[${i}]`, depth + 1]));
    else for (const [k, x] of Object.entries(v)) stack.push([x, path ? `${path}.${k}` : k, depth + 1]);
  }
  return undefined;
}

/** A value as an error message shows it: its JSON, shortened. */
export function shown(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "number" && !Number.isFinite(v)) return `a number ${v} (JSON.parse's value for a number beyond the largest double)`;
  const j = JSON.stringify(v);
  const kind = Array.isArray(v) ? "an array" : v === null ? "null" : typeof v === "object" ? "an object" : typeof v === "string" ? "a string" : typeof v === "number" ? "a number" : typeof v;
  return `${kind} ${j.length > 60 ? `${j.slice(0, 57)}...` : j}`;
}

const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v);
// JSON has no Infinity, but JSON.parse turns a number past the largest double into one: it is no number.
const matchesType = (v: unknown, t: string) => (typeof v !== "number" || Number.isFinite(v)) && (t === typeOf(v) || (t === "number" && typeof v === "number"));
const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);

/** Errors of `value` against `schema`, each "field: expected ..., found ...". */
export function validate(value: unknown, schema: JsonSchema, root: JsonSchema = schema, path = ""): string[] {
  const field = path || "(the file)";
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace(/^#\/\$defs\//, "");
    const target = (root.$defs as Record<string, JsonSchema> | undefined)?.[name];
    if (!target) return [`${field}: the schema refers to ${schema.$ref}, which it does not define`];
    return validate(value, target, root, path);
  }
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types.length && !types.some((t) => matchesType(value, t))) {
    return [`${field}: expected ${types.map(article).join(" or ")}, found ${shown(value)}`];
  }
  const errors: string[] = [];
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) {
    errors.push(`${field}: expected one of ${(schema.enum as unknown[]).map((x) => JSON.stringify(x)).join(", ")}; found ${shown(value)}`);
  }
  if ("const" in schema && value !== schema.const) errors.push(`${field}: expected ${JSON.stringify(schema.const)}, found ${shown(value)}`);
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${field}: expected a number >= ${schema.minimum}, found ${value}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) errors.push(`${field}: expected a number <= ${schema.maximum}, found ${value}`);
    if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) errors.push(`${field}: expected a number > ${schema.exclusiveMinimum}, found ${value}`);
  }
  if (typeof value === "string" && typeof schema.minLength === "number" && value.length < schema.minLength) {
    errors.push(`${field}: expected a string of at least ${schema.minLength} characters, found ${shown(value)}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) errors.push(`${field}: expected at least ${schema.minItems} entries, found ${value.length}`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) errors.push(`${field}: expected at most ${schema.maxItems} entries, found ${value.length}`);
    if (schema.uniqueItems === true) {
      const seen = new Set<string>();
      value.forEach((x, i) => {
        const k = JSON.stringify(x);
        if (seen.has(k)) errors.push(`${field}[${i}]: expected entries that differ, found ${shown(x)} twice`);
        seen.add(k);
      });
    }
    if (schema.items) value.forEach((x, i) => errors.push(...validate(x, schema.items as JsonSchema, root, `${path}[${i}]`)));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const at = (k: string) => (path ? `${path}.${k}` : k);
    for (const k of (schema.required ?? []) as string[]) {
      if (!(k in obj)) errors.push(`${at(k)}: required field missing (${describe(props[k])})`);
    }
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(v, props[k], root, at(k)));
      else if (schema.additionalProperties === false && k !== "$schema") {
        errors.push(`${at(k)}: unknown field; expected one of ${Object.keys(props).join(", ")}`);
      }
    }
    if (Array.isArray(schema.oneOf)) {
      const alts = (schema.oneOf as JsonSchema[]).map((s) => (s.required ?? []) as string[]);
      const present = alts.filter((req) => req.every((k) => k in obj));
      if (present.length !== 1) {
        const names = alts.map((r) => r.join(" + ")).join(" or ");
        errors.push(`${path || "(the file)"}: expected exactly one of ${names}; found ${present.length ? present.map((r) => r.join(" + ")).join(" and ") : "none"}`);
      }
    }
  }
  return errors;
}

/** A short description of what a field holds (its schema's description, first sentence). */
function describe(s: JsonSchema | undefined): string {
  const d = typeof s?.description === "string" ? s.description.split(". ")[0] : "";
  return d || "see scenarios/schema.json";
}
