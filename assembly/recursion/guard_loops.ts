// The guards' cost per call: one loop per guard, each running only that guard's code (no
// dispatch), n times try + release in task context, as a probe call would around its body:
// `if (token < 0) return;` is the caller's branch. Run after rec_lab_reset() (the lab's
// `current` and the task stack's flag word); the measurement and the op counts of
// bindings/experiments/recursion-costs.ts call these.
import { branch } from "../primitives";
import {
  bpf_prog_active_release, bpf_prog_active_try, ftrace_bits_release, ftrace_bits_try, perf_context_release, perf_context_try,
  stack_flag_per_tracer_release, stack_flag_per_tracer_try, stack_flag_release, stack_flag_try,
} from "./guards";
import { TRACER_A } from "./lab";

/** none: no guard; the loop is empty (its cost is the loop's). */
export function rec_guard_loop_none(n: u32): u32 {
  let k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) k++;
  return k;
}

export function rec_guard_loop_bpf_prog_active(n: u32): u32 {
  let k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const t = bpf_prog_active_try(false);
    if (branch(t < 0)) continue;
    bpf_prog_active_release();
    k++;
  }
  return k;
}

export function rec_guard_loop_ftrace_bits(n: u32): u32 {
  let k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const t = ftrace_bits_try(false);
    if (branch(t < 0)) continue;
    ftrace_bits_release(t);
    k++;
  }
  return k;
}

export function rec_guard_loop_perf_context(n: u32): u32 {
  let k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const t = perf_context_try(false);
    if (branch(t < 0)) continue;
    perf_context_release(t);
    k++;
  }
  return k;
}

export function rec_guard_loop_stack_flag(n: u32): u32 {
  let k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const t = stack_flag_try();
    if (branch(t < 0)) continue;
    stack_flag_release(t);
    k++;
  }
  return k;
}

export function rec_guard_loop_stack_flag_per_tracer(n: u32): u32 {
  let k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const t = stack_flag_per_tracer_try(TRACER_A, false);
    if (branch(t < 0)) continue;
    stack_flag_per_tracer_release(TRACER_A, t, false);
    k++;
  }
  return k;
}
