// Traps in the recursion lab (x86, v5.6): #PF (do_page_fault), #DB (do_debug) and #BP
// (do_int3). Their handlers run at the level of what they interrupted (v5.6's ist_enter()
// does rcu_nmi_enter() and preempt_disable(), no HARDIRQ/NMI offset: "We don't want in_nmi()
// to return true"; read in a copy of arch/x86/kernel/traps.c), they are synchronous (part of
// the interrupted call chain), and, in the 2020 proposal, they share the interrupted stack's
// in_tracing flag (#DB runs on an IST stack all the same). Their handlers are instrumented.
// Broken variant (FAULT_REC_GUARD_BROKEN): each trap gets a flag of its own.
import { FAULT_REC_GUARD_BROKEN, fault_injected } from "../rcu/faults";
import { RL_INT3_NOINSTR, ST_TRAPS, crashed, frame_pop, frame_push, lab_get, stat_inc } from "./lab";
import { STACK_TRAP, restore_stack, switch_stack } from "./stacks";
import { INSN_JMP, SITE_BSEARCH, poke_int3_emulate } from "./text_poke_bp";
import { TP_TRAP, rec_tracepoint } from "./tracer";

export const TRAP_PF: u32 = 0;
export const TRAP_DB: u32 = 1;
const NO_SWITCH: u32 = 0xffffffff;

function trap_enter(): u32 {
  stat_inc(ST_TRAPS);
  return fault_injected(FAULT_REC_GUARD_BROKEN) ? switch_stack(STACK_TRAP) : NO_SWITCH;
}

function trap_exit(saved: u32): void {
  if (saved != NO_SWITCH) restore_stack(saved);
}

/**
 * A #PF or #DB (`kind`) taken by the running code; either handler hits TP_TRAP (x86 v5.6
 * do_page_fault()'s trace_page_fault_kernel; for #DB, the perf hw_breakpoint event). The two
 * differ in the kernel by the stack (#DB: an IST stack), not by what a guard sees here.
 */
export function lab_trap(kind: u32): void {
  if (!frame_push()) return;
  const saved = trap_enter();
  rec_tracepoint(TP_TRAP);
  trap_exit(saved);
  frame_pop();
}

/**
 * #BP: the int3 text_poke_bp() wrote at `site`. v5.6's do_int3() calls poke_int3_handler(),
 * which looked the address up with the out-of-line bsearch() (lib/bsearch.c). Peter
 * Zijlstra's "x86/int3: Inline bsearch()" (f64366efd8c6, tip x86/entry, May 2020): "for
 * normal kernel configs this was the last external call and poke_int3_handler() is now fully
 * self sufficient -- no calls to external code". The lab ASSUMES bsearch() was traceable
 * (an mcount site, SITE_BSEARCH) and that the function tracer's batch patches it: then the
 * handler executes an int3 of the same batch before it can emulate anything. v5.10's
 * exc_int3() is noinstr and calls the noinstr poke_int3_handler() first (RL_INT3_NOINSTR;
 * read in Rtoax/linux-5.10.13). Returns whether the code continues in the site's body (the
 * emulated new instruction is a JMP/CALL).
 */
export function lab_int3(site: u32): bool {
  if (!frame_push()) return false;
  const saved = trap_enter();
  if (lab_get(RL_INT3_NOINSTR) == 0) rec_tracepoint(SITE_BSEARCH);
  const r = crashed() ? 0 : poke_int3_emulate(site);
  trap_exit(saved);
  frame_pop();
  return r == 1 + INSN_JMP;
}
