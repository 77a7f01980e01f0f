// Static keys flipped by breakpoint patching: text_poke_bp() (arch/x86/kernel/alternative.c;
// read in v5.10.13, whose three steps are v5.6's text_poke_bp_batch()):
//   bp_desc = desc (smp_store_release); for each site: text_poke(int3); text_poke_sync();
//   for each: text_poke(tail); text_poke_sync(); for each: text_poke(first byte); text_poke_sync();
//   WRITE_ONCE(bp_desc, NULL); wait for desc.refs.
// A CPU that executes a site between the first and the third step hits the int3 (#BP,
// recursion/traps.ts lab_int3), whose poke_int3_handler() emulates the NEW instruction.
// The steps are separate calls, so a scenario can run code in each window. The lab's
// sites: every tracepoint id (TP_*) has one (its static branch), plus SITE_BSEARCH, the
// mcount site of bsearch(), which v5.6's poke_int3_handler() called out of line.
import { READ_ONCE_u32, WRITE_ONCE_u32, branch, count_op, emulator_read_u32, OP_BRANCH, smp_mb, smp_store_release } from "../primitives";
import { FAULT_POKE_EMULATES_OLD, fault_injected } from "../rcu/faults";
import { RL_TEXT, lab_base, lab_get, lab_set } from "./lab";

/** The instruction at a site: a NOP (key off / mcount site unpatched), a JMP/CALL into the body, or int3. */
export const INSN_NOP: u32 = 0;
export const INSN_JMP: u32 = 1;
export const INSN_INT3: u32 = 2;

export const NR_REC_SITES: u32 = 9;
export const SITE_BSEARCH: u32 = 8;

const RT_INSN: u32 = RL_TEXT; //        u32 x NR_REC_SITES: first byte of each site's instruction
const RT_BP_DESC: u32 = RL_TEXT + 40; // u32 bp_desc: the batch's sites (bit s), 0 = NULL
const RT_NEW: u32 = RL_TEXT + 44; //     u32 the batch's new instructions: bit s set = JMP/CALL, clear = NOP
const RT_STEP: u32 = RL_TEXT + 48; //    u32 step of the batch in progress (0: none)
const RT_REFS: u32 = RL_TEXT + 52; //    u32 desc.refs
const RT_QUEUED: u32 = RL_TEXT + 56; //  u32 emulator: the batch prepared, before and during its steps

@inline function insn_addr(site: u32): usize {
  return lab_base() + RT_INSN + (site << 2);
}

/** The instruction a CPU fetches at `site` (an instruction fetch: no memory op of the kernel). */
@inline export function site_insn(site: u32): u32 {
  return emulator_read_u32(insn_addr(site));
}

/** Set a site's instruction at boot (jump_label_init / ftrace_init: no patching window). */
export function site_init(site: u32, insn: u32): void {
  lab_set(RT_INSN + (site << 2), insn);
}

/**
 * arch_static_branch() at `site` (include/linux/jump_label.h): a patched NOP or JMP, no load;
 * counted as the one branch static_key_false() is. Returns the instruction executed.
 */
@inline export function site_fetch(site: u32): u32 {
  count_op(OP_BRANCH);
  return site_insn(site);
}

/** text_poke_sync(): on_each_cpu(do_sync_core): sync_core() implies an smp_mb() (the other CPUs' IPIs are not emulated). */
@inline function text_poke_sync(): void {
  smp_mb();
}

/** Queue a batch: the sites of `mask` become JMP (enable) or NOP (disable). */
export function text_poke_bp_batch_prepare(mask: u32, enable: u32): void {
  lab_set(RT_NEW, enable != 0 ? mask : 0);
  lab_set(RT_STEP, 0);
  lab_set(RT_QUEUED, mask);
}

/**
 * The next step of text_poke_bp_batch(): 1 publishes bp_desc and writes int3 at every site,
 * 2 writes the tails, 3 writes the first bytes and removes bp_desc. Returns the step done, 0
 * when no batch is in progress.
 */
export function text_poke_bp_step(): u32 {
  const step = lab_get(RT_STEP) + 1;
  const mask = lab_get(RT_QUEUED);
  if (mask == 0) return 0;
  if (step == 1) {
    WRITE_ONCE_u32(lab_base() + RT_REFS, 1); // desc.refs = ATOMIC_INIT(1)
    smp_store_release(lab_base() + RT_BP_DESC, mask); // rcu_assign_pointer(bp_desc, &desc); pairs with poke_int3_handler()'s read
    for (let s: u32 = 0; s < NR_REC_SITES; s++) if ((mask >> s) & 1) WRITE_ONCE_u32(insn_addr(s), INSN_INT3);
    text_poke_sync();
  } else if (step == 2) {
    text_poke_sync(); // the tails: no effect on what an int3'd site executes
  } else {
    const nw = lab_get(RT_NEW);
    for (let s: u32 = 0; s < NR_REC_SITES; s++) if ((mask >> s) & 1) WRITE_ONCE_u32(insn_addr(s), (nw >> s) & 1 ? INSN_JMP : INSN_NOP);
    text_poke_sync();
    WRITE_ONCE_u32(lab_base() + RT_BP_DESC, 0); // WRITE_ONCE(bp_desc, NULL)
    lab_set(RT_QUEUED, 0);
    lab_set(RT_STEP, 0);
    return 3;
  }
  lab_set(RT_STEP, step);
  return step;
}

/**
 * poke_int3_handler()'s decision for an int3 at `site` (v5.10.13; v5.6 the same once the
 * entry is found): not ours (no bp_desc, or the site is not in the batch) -> 0, the int3 is
 * someone else's; ours -> 1 + the emulated NEW instruction (int3_emulate_jmp/call). Broken
 * variant FAULT_POKE_EMULATES_OLD: the old instruction.
 */
export function poke_int3_emulate(site: u32): u32 {
  const desc = READ_ONCE_u32(lab_base() + RT_BP_DESC); // try_get_desc(): smp_rmb() pairs with the store_release above
  if (branch(desc == 0 || ((desc >> site) & 1) == 0)) return 0;
  let nw = (lab_get(RT_NEW) >> site) & 1;
  if (fault_injected(FAULT_POKE_EMULATES_OLD)) nw ^= 1;
  return 1 + (nw != 0 ? INSN_JMP : INSN_NOP);
}
