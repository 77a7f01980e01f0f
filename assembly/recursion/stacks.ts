// Emulated kernel stacks and tasks of the recursion lab (x86-64, v5.6): each task has its
// own stack, each CPU an IRQ stack (hardirq_stack_ptr, used by hard and soft interrupts) and
// an NMI stack (an IST stack). The 2020 proposal keeps an `in_tracing` flag "alongside each
// kernel stack"; the lab keeps, per CPU, the address of the flag word of the stack in use
// (REC_FLAG_PTR), switched with the stack by the emulated entry code, so that the guard
// finds its flag with one per-CPU load, as a kernel implementation would from %rsp.
//
// A stack's flag word holds two u32: the shared flag (stack-flag) and one bit per tracer
// (stack-flag-per-tracer). Traps run on the stack they interrupted and share its flag.
import { PCPU_IRQ_STACK_FLAG, PCPU_NMI_STACK_FLAG, PCPU_REC_CPU, REC_CURRENT, REC_FLAG_PTR, REC_STACK } from "../layout";
import { set_this_cpu, this_cpu_ptr } from "../percpu";
import { cpu_reg_read_u32, cpu_reg_write_u32, emulator_read_u32, emulator_write_u32 } from "../primitives";
import { RL_DEPTH, RL_SYNC, RL_TRAP_FLAGS, TK_DEPTH, TK_STACK_FLAG, TK_SYNC, lab_base, lab_get, lab_set } from "./lab";

export const STACK_TASK: u32 = 0;
export const STACK_IRQ: u32 = 1;
export const STACK_NMI: u32 = 2;
/** Broken variant only: a trap on a flag of its own (recursion/traps.ts). */
export const STACK_TRAP: u32 = 3;

/** The lab's `current` (emulator side; the guards read it with a counted this_cpu_read). */
@inline export function lab_current(): u32 {
  return cpu_reg_read_u32(PCPU_REC_CPU + REC_CURRENT);
}

@inline export function current_stack(): u32 {
  return cpu_reg_read_u32(PCPU_REC_CPU + REC_STACK);
}

/**
 * Address of the flag word of `stack` on this CPU; for STACK_TRAP, the word of the trap's
 * frame `depth` (1..REC_STACK_LIMIT: 32 words of RL_TRAP_FLAGS; the broken `none`'s 33rd
 * frame wraps to the first, which no trap at depth 1 holds at the same time).
 */
export function stack_flag_word(stack: u32, depth: u32): u32 {
  if (stack == STACK_TASK) return lab_current() + TK_STACK_FLAG;
  if (stack == STACK_IRQ) return <u32>this_cpu_ptr(PCPU_IRQ_STACK_FLAG);
  if (stack == STACK_NMI) return <u32>this_cpu_ptr(PCPU_NMI_STACK_FLAG);
  return <u32>lab_base() + RL_TRAP_FLAGS + ((depth - 1) & 31) * 8;
}

/**
 * Switch to `stack` (the entry code's stack switch); returns what restore_stack() needs:
 * the flag word's address (4-aligned) with the old stack id in its low two bits.
 */
export function switch_stack(stack: u32): u32 {
  const old = cpu_reg_read_u32(PCPU_REC_CPU + REC_FLAG_PTR) | current_stack();
  const word = stack_flag_word(stack, lab_get(RL_DEPTH));
  if (stack == STACK_TRAP) {
    emulator_write_u32(word, 0);
    emulator_write_u32(word + 4, 0);
  }
  cpu_reg_write_u32(PCPU_REC_CPU + REC_STACK, stack);
  cpu_reg_write_u32(PCPU_REC_CPU + REC_FLAG_PTR, word);
  return old;
}

export function restore_stack(saved: u32): void {
  cpu_reg_write_u32(PCPU_REC_CPU + REC_STACK, saved & 3);
  cpu_reg_write_u32(PCPU_REC_CPU + REC_FLAG_PTR, saved & ~3);
}

/**
 * context_switch() to task `next` on this CPU (task stack in use): the chain of the task
 * switched out is saved with it, the next task's restored.
 */
export function lab_switch_to(next: u32): void {
  const prev = lab_current();
  if (prev != 0) {
    emulator_write_u32(prev + TK_SYNC, lab_get(RL_SYNC));
    emulator_write_u32(prev + TK_DEPTH, lab_get(RL_DEPTH));
  }
  cpu_reg_write_u32(PCPU_REC_CPU + REC_CURRENT, next);
  cpu_reg_write_u32(PCPU_REC_CPU + REC_STACK, STACK_TASK);
  cpu_reg_write_u32(PCPU_REC_CPU + REC_FLAG_PTR, next + TK_STACK_FLAG);
  lab_set(RL_SYNC, emulator_read_u32(next + TK_SYNC));
  lab_set(RL_DEPTH, emulator_read_u32(next + TK_DEPTH));
}

/**
 * Task `task` runs on CPU `cpu` from now on (the scheduler picked it there; when it was
 * preempted on another CPU, it has migrated): the %gs base changes, so every per-CPU word
 * the task touches is `cpu`'s; the task's own stack (and its flag) goes with it.
 */
export function lab_run_on(cpu: u32, task: u32): void {
  set_this_cpu(cpu);
  lab_switch_to(task);
}
