// The preempt count (include/linux/preempt.h and arch/x86/include/asm/preempt.h, v5.6).
//
//   PREEMPT_MASK 0x000000ff  SOFTIRQ_MASK 0x0000ff00  HARDIRQ_MASK 0x000f0000
//   NMI_MASK     0x00100000  PREEMPT_NEED_RESCHED 0x80000000 (x86: inverted, so
//   "count == 0" means "preemptible and a reschedule is due" in one test)
//
// The emulated kernel is CONFIG_PREEMPT: preempt_disable() is a per-CPU increment,
// as in the native figures of docs/native-reference.md.
import { PCPU_PREEMPT_COUNT } from "./layout";
import { barrier, branch, out_of_line_call, this_cpu_add_return_u32, this_cpu_read_u32, this_cpu_write_u32 } from "./primitives";

export const PREEMPT_BITS: u32 = 8;
export const SOFTIRQ_BITS: u32 = 8;
export const HARDIRQ_BITS: u32 = 4;
export const NMI_BITS: u32 = 1;

export const PREEMPT_SHIFT: u32 = 0;
export const SOFTIRQ_SHIFT: u32 = PREEMPT_SHIFT + PREEMPT_BITS;
export const HARDIRQ_SHIFT: u32 = SOFTIRQ_SHIFT + SOFTIRQ_BITS;
export const NMI_SHIFT: u32 = HARDIRQ_SHIFT + HARDIRQ_BITS;

export const PREEMPT_MASK: u32 = ((1 << PREEMPT_BITS) - 1) << PREEMPT_SHIFT;
export const SOFTIRQ_MASK: u32 = ((1 << SOFTIRQ_BITS) - 1) << SOFTIRQ_SHIFT;
export const HARDIRQ_MASK: u32 = ((1 << HARDIRQ_BITS) - 1) << HARDIRQ_SHIFT;
export const NMI_MASK: u32 = ((1 << NMI_BITS) - 1) << NMI_SHIFT;

export const PREEMPT_OFFSET: u32 = 1 << PREEMPT_SHIFT;
export const SOFTIRQ_OFFSET: u32 = 1 << SOFTIRQ_SHIFT;
export const HARDIRQ_OFFSET: u32 = 1 << HARDIRQ_SHIFT;
export const NMI_OFFSET: u32 = 1 << NMI_SHIFT;

/** PREEMPT_NEED_RESCHED (x86): stored inverted, set = no reschedule needed. */
export const PREEMPT_NEED_RESCHED: u32 = 0x80000000;
/** PREEMPT_ENABLED (x86): the initial __preempt_count of a CPU. */
export const PREEMPT_ENABLED: u32 = PREEMPT_NEED_RESCHED;

/** init_idle_preempt_count(): the boot value of this CPU's __preempt_count. */
export function preempt_count_init(): void {
  this_cpu_write_u32(PCPU_PREEMPT_COUNT, PREEMPT_ENABLED);
}

/** preempt_count() (arch/x86/include/asm/preempt.h): without the NEED_RESCHED bit. */
@inline export function preempt_count(): u32 {
  return this_cpu_read_u32(PCPU_PREEMPT_COUNT) & ~PREEMPT_NEED_RESCHED;
}

/** __preempt_count_add(val) (arch/x86/include/asm/preempt.h): raw_cpu_add_4. */
@inline export function preempt_count_add(val: u32): void {
  this_cpu_add_return_u32(PCPU_PREEMPT_COUNT, val);
}

/** __preempt_count_sub(val). */
@inline export function preempt_count_sub(val: u32): void {
  this_cpu_add_return_u32(PCPU_PREEMPT_COUNT, <u32>0 - val);
}

/** preempt_disable_notrace() (include/linux/preempt.h): __preempt_count_inc; barrier. */
@inline export function preempt_disable_notrace(): void {
  this_cpu_add_return_u32(PCPU_PREEMPT_COUNT, 1);
  barrier();
}

/**
 * preempt_enable_notrace() (include/linux/preempt.h, CONFIG_PREEMPT): barrier; then
 * `if (unlikely(__preempt_count_dec_and_test())) __preempt_schedule_notrace()`. The
 * x86 `decl; je` reaches zero only when the count is zero AND a reschedule is due.
 * Nothing here sets NEED_RESCHED, so the call is never made; its branch is counted.
 */
@inline export function preempt_enable_notrace(): void {
  barrier();
  if (branch(this_cpu_add_return_u32(PCPU_PREEMPT_COUNT, <u32>-1) == 0)) {
    out_of_line_call(); // __preempt_schedule_notrace(): no scheduler is emulated
  }
}

/** in_nmi() (include/linux/preempt.h). */
@inline export function in_nmi(): bool {
  return (preempt_count() & NMI_MASK) != 0;
}

/** in_irq() (include/linux/preempt.h): hardirq_count(). */
@inline export function in_irq(): bool {
  return (preempt_count() & HARDIRQ_MASK) != 0;
}

/** in_softirq() (include/linux/preempt.h): softirq_count(). */
@inline export function in_softirq(): bool {
  return (preempt_count() & SOFTIRQ_MASK) != 0;
}
