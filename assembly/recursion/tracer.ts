// A tracepoint executed in the recursion lab, and the tracers' probes it calls. Each probe
// call is classified as the emulator sees it, before the guard decides: RECURSIVE when the
// same tracer's probe is already on the current synchronous call chain (the probe itself,
// a trap it took, a function it called), LEGITIMATE otherwise (an interrupt that arrived
// while it ran starts a new chain; another task's event; tracer B tracing tracer A).
// The guard then lets the probe run (recorded) or drops the event (lost if legitimate,
// stopped if recursive). The bookkeeping is the emulator's and is never counted.
import { PCPU_PREEMPT_COUNT } from "../layout";
import { smp_processor_id } from "../percpu";
import { HARDIRQ_MASK, NMI_MASK } from "../preempt";
import { cpu_reg_read_u32 } from "../primitives";
import { torture_random } from "../torture/random";
import { lab_irq, lab_nmi } from "./contexts";
import { guard_release, guard_try } from "./guards";
import {
  NR_REC_TRACERS, RL_ACTION, RL_GUARD, RL_HELPER, RL_OTHER, RL_PENDING, RL_RANDOM, RL_SYNC, RL_TRAP_KIND, ST_ATTEMPTS_LEGIT, ST_ATTEMPTS_RECURSIVE,
  ST_LOST, ST_RECORDED_LEGIT, ST_RECORDED_RECURSIVE, ST_STOPPED, attached, crashed, frame_pop, frame_push, lab_get, lab_set, stat_inc, task_ptr,
} from "./lab";
import { lab_current, lab_run_on, lab_switch_to } from "./stacks";
import { INSN_INT3, INSN_JMP, site_fetch } from "./text_poke_bp";
import { TRAP_PF, lab_int3, lab_trap } from "./traps";

// Tracepoints of the lab (each has a static-branch site of the same number, text_poke_bp.ts).
export const TP_TASK: u32 = 0; //     a tracepoint in task context (sys_enter)
export const TP_TRAP: u32 = 1; //     the trap handler's (page_fault_kernel for #PF; the hw_breakpoint event for #DB)
export const TP_IRQ: u32 = 2; //      irq_handler_entry
export const TP_NMI: u32 = 3; //      nmi_handler
export const TP_IRQ_OFF: u32 = 4; //  irq_disable, from TRACE_IRQS_OFF in the interrupt entry (trace_hardirqs_off)
export const TP_SOFTIRQ: u32 = 5; //  softirq_entry
export const TP_IN_A: u32 = 6; //     a site in a function tracer A's probe calls
export const TP_IN_B: u32 = 7; //     a site in a function tracer B's probe calls

// What a tracer's probe does when it runs (RL_ACTION bits).
export const ACT_FAULT: u32 = 1; //       takes a trap (RL_TRAP_KIND) whose handler is instrumented
export const ACT_CALL_HELPER: u32 = 2; // calls a function with site RL_HELPER
export const ACT_MIGRATE: u32 = 4; //     once: preempted, another task runs here, it resumes on RL_OTHER

// Interrupts that arrive at the next delivery point (RL_PENDING bits): a probe's start, a tracepoint's end.
export const PEND_IRQ: u32 = 1; //        when interrupts are enabled (not in a hardirq or an NMI)
export const PEND_NMI: u32 = 2; //        anywhere but in an NMI
export const PEND_NMI_IN_IRQ: u32 = 4; // only inside a hardirq

/** Execute tracepoint (or function site) `tp`: its static branch, then the probes of the tracers attached. */
export function rec_tracepoint(tp: u32): void {
  if (crashed()) return;
  const insn = site_fetch(tp);
  let body = insn == INSN_JMP;
  if (insn == INSN_INT3) body = lab_int3(tp); // the site is being patched: #BP
  if (body) {
    const mask = attached(tp);
    for (let t: u32 = 0; t < NR_REC_TRACERS; t++) if ((mask >> t) & 1) rec_probe(t, tp);
  }
  deliver_pending();
}

/** Tracer `tracer`'s probe called for `tp`: classify, guard, run. */
export function rec_probe(tracer: u32, tp: u32): void {
  if (crashed()) return;
  const bit: u32 = 1 << tracer;
  const recursive = (lab_get(RL_SYNC) & bit) != 0;
  stat_inc(recursive ? ST_ATTEMPTS_RECURSIVE : ST_ATTEMPTS_LEGIT);
  const guard = lab_get(RL_GUARD + (tracer << 2));
  const token = guard_try(guard, tracer);
  if (token < 0) {
    stat_inc(recursive ? ST_STOPPED : ST_LOST);
    return;
  }
  if (frame_push()) {
    stat_inc(recursive ? ST_RECORDED_RECURSIVE : ST_RECORDED_LEGIT);
    const sync = lab_get(RL_SYNC);
    lab_set(RL_SYNC, sync | bit);
    probe_body(tracer);
    lab_set(RL_SYNC, sync);
    frame_pop();
  }
  guard_release(guard, tracer, token);
}

function probe_body(tracer: u32): void {
  deliver_pending(); // an interrupt arrives while the probe runs
  if (lab_get(RL_RANDOM) != 0) {
    random_body(tracer);
    return;
  }
  const act = lab_get(RL_ACTION + (tracer << 2));
  if (act & ACT_FAULT) lab_trap(lab_get(RL_TRAP_KIND));
  if (act & ACT_CALL_HELPER) rec_tracepoint(lab_get(RL_HELPER + (tracer << 2)));
  if (act & ACT_MIGRATE) {
    lab_set(RL_ACTION + (tracer << 2), act & ~ACT_MIGRATE);
    preempted_and_migrated();
  }
}

/** The random scenario's probe: a trap, a call into the other tracer's territory, an interrupt to come. */
function random_body(tracer: u32): void {
  const r = torture_random() % 100;
  if (r < 12) lab_trap(TRAP_PF);
  else if (r < 30) rec_tracepoint(lab_get(RL_HELPER + (tracer << 2)));
  else if (r < 38) lab_set(RL_PENDING, lab_get(RL_PENDING) | PEND_IRQ);
  else if (r < 42) lab_set(RL_PENDING, lab_get(RL_PENDING) | PEND_NMI);
}

/**
 * The probe is preempted (a program that may sleep or runs with only migration disabled, as
 * under PREEMPT_RT): task 1 of the lab runs on this CPU and hits TP_TASK twice, then the
 * probe's task resumes on CPU RL_OTHER (this CPU under migrate_disable(); another one when
 * migration is allowed).
 */
function preempted_and_migrated(): void {
  const me = lab_current();
  const home = smp_processor_id();
  lab_switch_to(task_ptr(1));
  rec_tracepoint(TP_TASK);
  rec_tracepoint(TP_TASK);
  const other = lab_get(RL_OTHER);
  lab_run_on(other != home ? other : home, me);
}

/** Deliver the interrupts that are pending and may arrive here. */
export function deliver_pending(): void {
  const p = lab_get(RL_PENDING);
  if (p == 0 || crashed()) return;
  const pc = cpu_reg_read_u32(PCPU_PREEMPT_COUNT);
  const in_nmi = (pc & NMI_MASK) != 0, in_irq = (pc & HARDIRQ_MASK) != 0;
  if (in_nmi) return;
  if ((p & PEND_NMI) != 0 || ((p & PEND_NMI_IN_IRQ) != 0 && in_irq)) {
    lab_set(RL_PENDING, p & ~(PEND_NMI | (in_irq ? PEND_NMI_IN_IRQ : 0)));
    lab_nmi();
    return;
  }
  if ((p & PEND_IRQ) != 0 && !in_irq) {
    lab_set(RL_PENDING, p & ~PEND_IRQ);
    lab_irq();
  }
}
