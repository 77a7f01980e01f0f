// The native stand-ins (bench/native/tracepoint.c) execute the kernel's x86 code for the
// preempt count: preempt_disable_notrace() one `incl` of the per-CPU word, preempt_enable_notrace()
// one `decl` and a `je` (arch/x86/include/asm/preempt.h), never a load, an add and a store of it
// (docs/performance.md, "Hazards of the native stand-ins"). Read in objdump of this machine's
// cc output; no timing.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const have = (cmd: string) => {
  try {
    execFileSync(cmd, ["--version"], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  }
};
const canBuild = process.arch === "x64" && have("cc") && have("objdump");

/** Each function's instructions (mnemonic and operands), by name, from `objdump -d`. */
function disassemble(bin: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of execFileSync("objdump", ["-d", "--no-show-raw-insn", bin], { encoding: "utf8", maxBuffer: 64 << 20 }).split("\n")) {
    const head = /^[0-9a-f]+ <([^>]+)>:$/.exec(line);
    if (head) out.set(head[1], (cur = []));
    else if (cur && /^\s+[0-9a-f]+:\t/.test(line)) cur.push(line.split("\t").slice(1).join(" ").trim());
  }
  return out;
}

/** The %fs displacement of the preempt count: the word rcu_is_watching() (its only TLS access) increments first. */
function preemptSlot(fns: Map<string, string[]>): string {
  const m = /%fs:(0x[0-9a-f]+)/.exec(fns.get("rcu_is_watching")!.find((i) => i.includes("%fs:"))!);
  return m![1];
}

/**
 * What is wrong with `fn`'s accesses to the preempt count (empty when it is the kernel's form):
 * every access an `incl` or a `decl` of the word itself, each `decl` followed by a branch on its
 * zero flag (`je`, or `jne` over the call where gcc lays the unlikely call out of line).
 */
function preemptFormErrors(insns: string[], slot: string): string[] {
  const errors: string[] = [];
  insns.forEach((ins, k) => {
    if (!ins.includes(`%fs:${slot}`)) return;
    const op = ins.split(/\s+/)[0];
    if (op !== "incl" && op !== "decl") errors.push(`"${ins}" (an ${op}: a load or store of the word, not one RMW instruction)`);
    else if (op === "decl" && !/^jn?e\s/.test(insns[k + 1] ?? "")) errors.push(`"${ins}" not followed by je/jne (found "${insns[k + 1]}")`);
  });
  if (!insns.some((i) => i.startsWith("incl") && i.includes(`%fs:${slot}`))) errors.push("no incl of the preempt count");
  return errors;
}

describe.skipIf(!canBuild)("native stand-ins: the preempt count as the kernel's x86 code", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rcu-lab-native-"));
  const bin = path.join(dir, "tracepoint");
  if (canBuild) execFileSync("cc", ["-O2", "-mno-red-zone", "-o", bin, path.join(root, "bench/native/tracepoint.c")], { stdio: "pipe" });
  const fns = canBuild ? disassemble(bin) : new Map<string, string[]>();
  // (srcu-fast's preempt count is in migrate_disable/enable, out of line as in the kernel)
  const KERNEL_FORM = ["rcu_is_watching", "migrate_disable", "migrate_enable", "loop_plain", "loop_noinstr", "loop_noinstr_lockdep", "loop_rcuidle_watching"];

  it.each(KERNEL_FORM)("%s: preempt_disable/enable_notrace are `incl` and `decl; je` of the per-CPU word", (fn) => {
    expect(fns.get(fn), `${fn} in objdump -d`).toBeDefined();
    expect(preemptFormErrors(fns.get(fn)!, preemptSlot(fns))).toEqual([]);
  });

  it("broken variant kept: the old C form (rcu_is_watching_c of the @load-sub-store rows) reloads the word and is flagged", () => {
    const c = fns.get("rcu_is_watching_c")!;
    const slot = /%fs:(0x[0-9a-f]+)/.exec(c.find((i) => i.includes("%fs:"))!)![1];
    expect(slot).not.toBe(preemptSlot(fns)); // its own word
    const errors = preemptFormErrors(c, slot);
    expect(errors.some((e) => /^"mov\s/.test(e))).toBe(true);
  });

  it("rcu_is_watching_gs (the @gs-rip rows) is the kernel's instructions at the kernel's address, %gs:sym(%rip)", () => {
    const gs = fns.get("rcu_is_watching_gs")!.filter((i) => i.includes("%gs:"));
    expect(gs.map((i) => i.split(/\s+/)[0])).toEqual(["incl", "decl"]);
    for (const i of gs) expect(i).toMatch(/%gs:0x[0-9a-f]+\(%rip\)/);
  });

  it("the inline run has the @load-sub-store rows, and the @gs-rip rows where it could set the GS base, from task and idle", () => {
    const out = JSON.parse(execFileSync(bin, ["1000", "1", "inline"], { encoding: "utf8" })) as { gsRip: boolean; nsPerCall: Record<string, { median: number }> };
    expect(typeof out.gsRip).toBe("boolean");
    for (const s of ["plain", "noinstr", "noinstr+lockdep", "rcuidle-watching", "srcu-fast"])
      for (const c of ["task", "idle"]) {
        expect(out.nsPerCall, `${s}/${c}`).toHaveProperty([`${s}/${c}`]);
        expect(out.nsPerCall, `${s}@load-sub-store/${c}`).toHaveProperty([`${s}@load-sub-store/${c}`]);
        expect(`${s}@gs-rip/${c}` in out.nsPerCall, `${s}@gs-rip/${c} present iff gsRip`).toBe(out.gsRip);
      }
  });
});
