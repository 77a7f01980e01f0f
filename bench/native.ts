// The native C primitive loops (bench/native/primitives.c), built and run on this machine
// so that the emulation is compared with the hardware it runs on, in the same run.
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import type { Summary } from "../bindings/experiments/stats.js";

export interface NativeResult {
  readonly compiler: string;
  readonly nsPerOp: Record<string, Summary>;
  /** Op kind -> marginal ns of one op inside generic filler work (the cost model's input). */
  readonly inSequenceNs: Record<string, number>;
  /** ns per iteration of the filler alone, and the light ops it executes per iteration. */
  readonly fillerNs: number;
  readonly fillerOps: number;
}

const here = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

const builtHere = new Set<string>();

/**
 * Build `src` into `bin` with cc (if stale) and run it; a reason instead when that cannot be
 * done here. The loop runs asynchronously, so this process stays responsive meanwhile (bench/
 * run.ts ends the bench when its parent goes), and it dies with this process
 * (bench/native/die-with-parent.h: PR_SET_PDEATHSIG, and its parent checked to be this pid).
 */
async function buildAndRun(src: string, bin: string, flags: string[], args: string[]): Promise<{ compiler: string; json: unknown } | { unavailable: string }> {
  if (process.arch !== "x64") return { unavailable: `native loops are x86-64 assembly; this is ${process.arch}` };
  let compiler: string;
  try {
    compiler = execFileSync("cc", ["--version"], { encoding: "utf8" }).split("\n")[0];
  } catch {
    return { unavailable: "no C compiler (cc) on PATH: install gcc to compare with native code" };
  }
  if (!builtHere.has(bin) || !fs.existsSync(bin) || fs.statSync(bin).mtimeMs < fs.statSync(src).mtimeMs) {
    builtHere.add(bin); // built on the spot, once per process, with this machine's cc
    fs.mkdirSync(here("build"), { recursive: true });
    execFileSync("cc", ["-O2", "-mno-red-zone", ...flags, "-o", bin, src], { stdio: "inherit" });
  }
  const env = { ...process.env, RCU_LAB_PARENT_PID: String(process.pid) };
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(bin, args, { encoding: "utf8", env, maxBuffer: 64 << 20 }, (e, out) => (e ? reject(e) : resolve(out))));
  return { compiler, json: JSON.parse(stdout) };
}

/** Build (if needed) and run the native primitive loops. */
export async function runNative(iterations: number, reps: number): Promise<NativeResult | { unavailable: string }> {
  const r = await buildAndRun(here("bench/native/primitives.c"), here("build/native-primitives"), [], [String(iterations), String(reps)]);
  if ("unavailable" in r) return r;
  const j = r.json as { nsPerOp: Record<string, Summary>; inSequence: Record<string, number>; fillerNs: number; fillerOps: number };
  return { compiler: r.compiler, nsPerOp: j.nsPerOp, inSequenceNs: j.inSequence, fillerNs: j.fillerNs, fillerOps: j.fillerOps };
}

export interface NativeTracepointResult {
  readonly compiler: string;
  /** "strategy/context" -> ns per call, without irq save/restore (what WebAssembly executes too). */
  readonly withoutIrqSave: Record<string, Summary>;
  /** The same with the user-mode pushf/popf stand-in of irq save/restore. */
  readonly withIrqSave: Record<string, Summary>;
}

/** Build (if needed) and run the native tracepoint sequences, without and with irq save/restore. */
export async function runNativeTracepoint(iterations: number, reps: number): Promise<NativeTracepointResult | { unavailable: string }> {
  const src = here("bench/native/tracepoint.c");
  const a = await buildAndRun(src, here("build/native-tracepoint"), [], [String(iterations), String(reps)]);
  if ("unavailable" in a) return a;
  const b = await buildAndRun(src, here("build/native-tracepoint-irqsave"), ["-DWITH_IRQ_SAVE"], [String(iterations), String(reps)]);
  if ("unavailable" in b) return b;
  const ns = (x: unknown) => (x as { nsPerCall: Record<string, Summary> }).nsPerCall;
  return { compiler: a.compiler, withoutIrqSave: ns(a.json), withIrqSave: ns(b.json) };
}

export interface NativeInlineResult {
  readonly compiler: string;
  /** "strategy/context" -> ns per call, each strategy inlined into its own loop (the emulation's loop shape). */
  readonly nsPerCall: Record<string, Summary>;
}

/** The native stand-ins in the emulation's loop shape (bench/native/tracepoint.c `inline`), without irq save/restore. */
export async function runNativeInline(iterations: number, reps: number): Promise<NativeInlineResult | { unavailable: string }> {
  const r = await buildAndRun(here("bench/native/tracepoint.c"), here("build/native-tracepoint"), [], [String(iterations), String(reps), "inline"]);
  if ("unavailable" in r) return r;
  return { compiler: r.compiler, nsPerCall: (r.json as { nsPerCall: Record<string, Summary> }).nsPerCall };
}
