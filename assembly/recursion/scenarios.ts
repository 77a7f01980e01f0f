// The recursion lab's scenarios, each one call into WebAssembly: reset, configure
// the tracers (guard, tracepoints, what their probes do), run, count what is left behind.
// The statistics are in the home context's PCPU_REC_LAB + RL_STATS (lab.ts ST_*). The
// building blocks are commands too (rec_tracepoint, lab_irq, ..., index.ts), so a host can
// drive a scenario step by step.
import { PCPU_BPF_PROG_ACTIVE, PCPU_IRQ_STACK_FLAG, PCPU_NMI_STACK_FLAG, PCPU_PERF_RECURSION, PCPU_REC_CPU } from "../layout";
import { per_cpu_ptr, set_this_cpu, smp_processor_id } from "../percpu";
import { preempt_count_init } from "../preempt";
import { cpu_reg_write_u32, emulator_read_u32 } from "../primitives";
import { torture_random, torture_random_init } from "../torture/random";
import { lab_softirq } from "./contexts";
import {
  NR_REC_TASKS, RL_ACTION, RL_CRASHED, RL_GUARD, RL_HELPER, RL_INT3_NOINSTR, RL_OTHER, RL_PENDING, RL_RANDOM, RL_STATS, RL_TRAP_KIND, ST_LEFTOVER, ST_TOP,
  TRACER_A, TRACER_B, attach, lab_clear, lab_get, lab_set, stat_inc, task_ptr,
} from "./lab";
import { lab_run_on, lab_switch_to } from "./stacks";
import { INSN_JMP, SITE_BSEARCH, site_init, text_poke_bp_batch_prepare, text_poke_bp_step } from "./text_poke_bp";
import {
  ACT_CALL_HELPER, ACT_FAULT, ACT_MIGRATE, PEND_IRQ, PEND_NMI, PEND_NMI_IN_IRQ, TP_IN_A, TP_IN_B, TP_IRQ, TP_IRQ_OFF, TP_NMI, TP_SOFTIRQ, TP_TASK,
  TP_TRAP, rec_tracepoint,
} from "./tracer";
import { TRAP_DB, TRAP_PF } from "./traps";

export const SCEN_TRAP_PF: u32 = 0; //            the probe takes a #PF whose handler hits a tracepoint A traces
export const SCEN_TRAP_DB: u32 = 1; //            the same with a #DB
export const SCEN_IRQ_IN_PROBE: u32 = 2; //       an IRQ while A's probe runs; its handler hits a tracepoint A traces
export const SCEN_IRQ_ENTRY: u32 = 3; //          the same, A also tracing irq_disable of the IRQ entry (before irq_enter())
export const SCEN_NMI_IN_IRQ: u32 = 4; //         an NMI inside an IRQ inside A's probe
export const SCEN_IRQ_IN_SOFTIRQ: u32 = 5; //     an IRQ while A's probe runs in a softirq (both on the IRQ stack)
export const SCEN_PATCH_INT3_V5_6: u32 = 6; //    A's probe executes a site text_poke_bp() is patching; v5.6 #BP
export const SCEN_PATCH_INT3_NOINSTR: u32 = 7; // the same with v5.10's noinstr #BP
export const SCEN_TRACERS_EACH_OTHER: u32 = 8; // A's probe calls a function B traces, B's one A traces
export const SCEN_MIGRATE: u32 = 9; //            A's probe is preempted and migrates; another task traces meanwhile
export const SCEN_PREEMPT_IN_PROBE: u32 = 10; //  the same, the task resumes on its CPU (migrate_disable())
export const SCEN_PATCH_INT3_TRACED: u32 = 11; // v5.6 #BP whose handler calls a function A already traces
export const SCEN_RANDOM: u32 = 12; //            random steps from `seed`
export const NR_REC_SCENARIOS: u32 = 13;

/** Clear the guards' words and the lab's registers of CPU `cpu` (uncounted: not a kernel path). */
function init_cpu(cpu: u32): void {
  const home = smp_processor_id();
  set_this_cpu(cpu);
  for (let i: u32 = 0; i < 16; i += 4) {
    cpu_reg_write_u32(PCPU_BPF_PROG_ACTIVE + i, 0);
    cpu_reg_write_u32(PCPU_PERF_RECURSION + i, 0);
    cpu_reg_write_u32(PCPU_IRQ_STACK_FLAG + i, 0);
    cpu_reg_write_u32(PCPU_NMI_STACK_FLAG + i, 0);
    cpu_reg_write_u32(PCPU_REC_CPU + i, 0);
  }
  preempt_count_init();
  set_this_cpu(home);
}

/** Reset the lab on this CPU; a task may migrate to CPU `other` (== this CPU: no second CPU). */
export function rec_lab_reset(other: u32): void {
  const home = smp_processor_id();
  lab_clear();
  lab_set(RL_OTHER, other);
  if (other != home) init_cpu(other);
  init_cpu(home);
  lab_switch_to(task_ptr(0));
}

/** The guard tracer `tracer` uses (GUARD_*). */
export function rec_lab_guard(tracer: u32, guard: u32): void {
  lab_set(RL_GUARD + (tracer << 2), guard);
}

/** Attach tracer `tracer` to tracepoint `tp` and enable its static key (boot time: no patching). */
export function rec_lab_enable(tp: u32, tracer: u32): void {
  attach(tp, tracer);
  site_init(tp, INSN_JMP);
}

/** What tracer `tracer`'s probe does (ACT_*), and the site of the function it calls. */
export function rec_lab_action(tracer: u32, action: u32, helper: u32): void {
  lab_set(RL_ACTION + (tracer << 2), action);
  lab_set(RL_HELPER + (tracer << 2), helper);
}

/** Interrupts that arrive at the next delivery point (PEND_*). */
export function rec_lab_pending(p: u32): void {
  lab_set(RL_PENDING, lab_get(RL_PENDING) | p);
}

/** Guard words (both CPUs, every task) left non-zero: a guard that is unbalanced after the run. */
function leftover(): u32 {
  const home = smp_processor_id(), other = lab_get(RL_OTHER);
  let n: u32 = 0;
  for (let k: u32 = 0; k < 2; k++) {
    const cpu = k == 0 ? home : other;
    if (k == 1 && other == home) break;
    for (let i: u32 = 0; i < 16; i += 4) {
      if (emulator_read_u32(per_cpu_ptr(PCPU_PERF_RECURSION + i, cpu)) != 0) n++;
      if (i < 8 && emulator_read_u32(per_cpu_ptr(PCPU_IRQ_STACK_FLAG + i, cpu)) != 0) n++;
      if (i < 8 && emulator_read_u32(per_cpu_ptr(PCPU_NMI_STACK_FLAG + i, cpu)) != 0) n++;
    }
    if (emulator_read_u32(per_cpu_ptr(PCPU_BPF_PROG_ACTIVE, cpu)) != 0) n++;
  }
  for (let t: u32 = 0; t < NR_REC_TASKS; t++) for (let off: u32 = 0; off < 12; off += 4) if (emulator_read_u32(task_ptr(t) + off) != 0) n++;
  return n;
}

/** A text_poke_bp() batch over `mask` (enable), the code run after `window` steps (0: before, 1-2: int3, 3: done). */
function patched_run(mask: u32, window: u32): void {
  text_poke_bp_batch_prepare(mask, 1);
  for (let s: u32 = 0; s < window; s++) text_poke_bp_step();
  rec_tracepoint(TP_TASK);
  while (text_poke_bp_step() != 0) {} // finish the batch
}

function random_run(seed: u32, steps: u32): void {
  torture_random_init(seed, 1);
  for (let tp: u32 = TP_TASK; tp <= TP_SOFTIRQ; tp++) rec_lab_enable(tp, TRACER_A);
  rec_lab_enable(TP_IN_B, TRACER_A);
  rec_lab_enable(TP_IRQ, TRACER_B);
  attach(TP_IN_A, TRACER_B); // its key starts off: the random patcher flips it
  rec_lab_action(TRACER_A, 0, TP_IN_A);
  rec_lab_action(TRACER_B, 0, TP_IN_B);
  lab_set(RL_RANDOM, 1);
  lab_set(RL_INT3_NOINSTR, 1);
  let enable: u32 = 1;
  for (let i: u32 = 0; i < steps; i++) {
    stat_inc(ST_TOP);
    const r = torture_random() % 100;
    if (r < 45) rec_tracepoint(TP_TASK);
    else if (r < 60) { rec_lab_pending(PEND_IRQ); rec_tracepoint(TP_TASK); }
    else if (r < 70) lab_softirq();
    else if (r < 78) { rec_lab_pending(PEND_NMI); rec_tracepoint(TP_TASK); }
    else if (text_poke_bp_step() == 0) {
      text_poke_bp_batch_prepare(1 << TP_IN_A, enable);
      enable ^= 1;
      text_poke_bp_step();
    }
    lab_set(RL_PENDING, 0);
    lab_set(RL_CRASHED, 0); // an overflow was counted and has unwound: the next step starts a new boot
  }
}

/**
 * Run scenario `scenario` (SCEN_*) with tracer A on guard `guard_a` and B on `guard_b`; a
 * task migrates to CPU `other`; `seed` and `arg` for SCEN_RANDOM (steps) and the patch
 * scenarios (the window step, 0-3; 1 = int3 installed). Returns 0, or 1 when the scenario
 * needs a second CPU and `other` is this CPU, 2 for an unknown scenario.
 */
export function rec_scenario_run(scenario: u32, guard_a: u32, guard_b: u32, other: u32, seed: u32, arg: u32): u32 {
  const home = smp_processor_id();
  if (scenario >= NR_REC_SCENARIOS) return 2;
  if (scenario == SCEN_MIGRATE && other == home) return 1;
  rec_lab_reset(other);
  rec_lab_guard(TRACER_A, guard_a);
  rec_lab_guard(TRACER_B, guard_b);
  rec_lab_enable(TP_TASK, TRACER_A);
  if (scenario == SCEN_TRAP_PF || scenario == SCEN_TRAP_DB) {
    rec_lab_enable(TP_TRAP, TRACER_A);
    rec_lab_action(TRACER_A, ACT_FAULT, 0);
    lab_set(RL_TRAP_KIND, scenario == SCEN_TRAP_PF ? TRAP_PF : TRAP_DB);
    rec_tracepoint(TP_TASK);
  } else if (scenario == SCEN_IRQ_IN_PROBE || scenario == SCEN_IRQ_ENTRY || scenario == SCEN_NMI_IN_IRQ) {
    rec_lab_enable(TP_IRQ, TRACER_A);
    if (scenario == SCEN_IRQ_ENTRY) rec_lab_enable(TP_IRQ_OFF, TRACER_A);
    if (scenario == SCEN_NMI_IN_IRQ) rec_lab_enable(TP_NMI, TRACER_A);
    rec_lab_pending(PEND_IRQ | (scenario == SCEN_NMI_IN_IRQ ? PEND_NMI_IN_IRQ : 0));
    rec_tracepoint(TP_TASK);
  } else if (scenario == SCEN_IRQ_IN_SOFTIRQ) {
    rec_lab_enable(TP_SOFTIRQ, TRACER_A);
    rec_lab_enable(TP_IRQ, TRACER_A);
    rec_lab_pending(PEND_IRQ);
    lab_softirq();
  } else if (scenario == SCEN_PATCH_INT3_V5_6 || scenario == SCEN_PATCH_INT3_NOINSTR) {
    // The function tracer B is being enabled on the function A's probe calls and, in the
    // same batch, on bsearch(); both sites are NOPs until the batch's third step.
    attach(TP_IN_A, TRACER_B);
    attach(SITE_BSEARCH, TRACER_B);
    rec_lab_action(TRACER_A, ACT_CALL_HELPER, TP_IN_A);
    lab_set(RL_INT3_NOINSTR, scenario == SCEN_PATCH_INT3_NOINSTR ? 1 : 0);
    patched_run((1 << TP_IN_A) | (1 << SITE_BSEARCH), arg > 3 ? 1 : arg);
  } else if (scenario == SCEN_PATCH_INT3_TRACED) {
    // Only the site in A's helper is patched (B being enabled there); bsearch() is already
    // traced by A (its mcount site a CALL): the #BP handler runs A's callback inside the trap.
    rec_lab_enable(SITE_BSEARCH, TRACER_A);
    attach(TP_IN_A, TRACER_B);
    rec_lab_action(TRACER_A, ACT_CALL_HELPER, TP_IN_A);
    patched_run(1 << TP_IN_A, arg > 3 ? 1 : arg);
  } else if (scenario == SCEN_TRACERS_EACH_OTHER) {
    rec_lab_enable(TP_IN_A, TRACER_B);
    rec_lab_enable(TP_IN_B, TRACER_A);
    rec_lab_action(TRACER_A, ACT_CALL_HELPER, TP_IN_A);
    rec_lab_action(TRACER_B, ACT_CALL_HELPER, TP_IN_B);
    rec_tracepoint(TP_TASK);
  } else if (scenario == SCEN_MIGRATE || scenario == SCEN_PREEMPT_IN_PROBE) {
    if (scenario == SCEN_PREEMPT_IN_PROBE) lab_set(RL_OTHER, home); // migrate_disable(): it resumes here
    rec_lab_action(TRACER_A, ACT_MIGRATE, 0);
    rec_tracepoint(TP_TASK); // task 0 on this CPU; inside its probe task 1 runs here, task 0 resumes on RL_OTHER
    rec_tracepoint(TP_TASK); // task 0 again, there
    lab_run_on(home, task_ptr(1));
    rec_tracepoint(TP_TASK); // task 1, on this CPU
  } else {
    random_run(seed, arg);
  }
  lab_run_on(home, task_ptr(0));
  lab_set(RL_PENDING, 0);
  lab_set(RL_STATS + (ST_LEFTOVER << 2), leftover());
  return 0;
}
