// The native C primitive loops (bench/native/primitives.c), built and run on this machine
// so that the emulation is compared with the hardware it runs on, in the same run.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import type { Summary } from "../bindings/stats.js";

export interface NativeResult {
  readonly compiler: string;
  readonly nsPerOp: Record<string, Summary>;
}

const src = fileURLToPath(new URL("../../bench/native/primitives.c", import.meta.url));
const bin = fileURLToPath(new URL("../../build/native-primitives", import.meta.url));

/** Build (if needed) and run the native loops; undefined with a reason when no C compiler. */
export function runNative(iterations: number, reps: number): NativeResult | { unavailable: string } {
  if (process.arch !== "x64") return { unavailable: `native loops are x86-64 assembly; this is ${process.arch}` };
  let compiler: string;
  try {
    compiler = execFileSync("cc", ["--version"], { encoding: "utf8" }).split("\n")[0];
  } catch {
    return { unavailable: "no C compiler (cc) on PATH: install gcc to compare with native code" };
  }
  if (!fs.existsSync(bin) || fs.statSync(bin).mtimeMs < fs.statSync(src).mtimeMs) {
    execFileSync("cc", ["-O2", "-mno-red-zone", "-o", bin, src], { stdio: "inherit" });
  }
  const out = JSON.parse(execFileSync(bin, [String(iterations), String(reps)], { encoding: "utf8" })) as { nsPerOp: Record<string, Summary> };
  return { compiler, nsPerOp: out.nsPerOp };
}
