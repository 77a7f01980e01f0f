// Per-CPU addressing (include/linux/percpu-defs.h, v5.6). Module globals are per
// instance, and each CPU worker has its own instance, so these globals are this CPU's
// registers: `this_cpu` is smp_processor_id(), `this_cpu_base` plays the x86 %gs base
// that this_cpu_*() operations are relative to.
import { PERCPU_BASE, PERCPU_STRIDE } from "./layout";

let this_cpu: u32 = 0;
let this_cpu_base: usize = 0;

/** Bind this instance to CPU `cpu` (the boot CPU's setup of its %gs base). */
export function set_this_cpu(cpu: u32): void {
  this_cpu = cpu;
  this_cpu_base = per_cpu_base(cpu);
  // A module specialised for one CPU (scripts/percpu-template.mjs: every read of the two
  // globals above is that CPU's constant) cannot be rebound: binding it to another CPU would
  // make its per-CPU accesses another CPU's. The generic module reads back what it wrote.
  if (this_cpu != cpu || this_cpu_base != per_cpu_base(cpu)) unreachable();
}

/** smp_processor_id() (include/linux/smp.h). */
@inline export function smp_processor_id(): u32 {
  return this_cpu;
}

/** this_cpu_ptr(&field): the address of this CPU's copy of a per-CPU field. */
@inline export function this_cpu_ptr(field: u32): usize {
  return this_cpu_base + <usize>field;
}

/** per_cpu_ptr(&field, cpu): another CPU's copy (remote access, e.g. SRCU's sums). */
@inline export function per_cpu_ptr(field: u32, cpu: u32): usize {
  return per_cpu_base(cpu) + <usize>field;
}

@inline function per_cpu_base(cpu: u32): usize {
  return <usize>PERCPU_BASE + <usize>cpu * <usize>PERCPU_STRIDE;
}
