// cpu_online_mask (include/linux/cpumask.h, kernel/cpu.c, v5.6) and raw_smp_processor_id()
// (arch/x86/include/asm/smp.h): what the `cond` of DECLARE_TRACE tests,
// cpu_online(raw_smp_processor_id()). One bit per context id in the machine header.
import { HDR_CPU_ONLINE_MASK, PCPU_CPU_ID } from "../layout";
import { READ_ONCE_u32, atomic_cmpxchg, this_cpu_read_u32 } from "../primitives";

@inline function online_word(cpu: u32): usize {
  return <usize>HDR_CPU_ONLINE_MASK + (<usize>(cpu >> 5) << 2);
}

/** raw_smp_processor_id() (x86, v5.6): this_cpu_read(cpu_number), one %gs load. */
@inline export function raw_smp_processor_id(): u32 {
  return this_cpu_read_u32(PCPU_CPU_ID);
}

/** cpu_online(cpu) (include/linux/cpumask.h): cpumask_test_cpu(cpu, cpu_online_mask), a load and a bit test. */
@inline export function cpu_online(cpu: u32): bool {
  return (READ_ONCE_u32(online_word(cpu)) & (<u32>1 << (cpu & 31))) != 0;
}

/**
 * set_cpu_online(cpu, online) (kernel/cpu.c): cpumask_set_cpu/cpumask_clear_cpu, a locked
 * bit operation (lock bts/btr), here a cmpxchg loop. Returns 1 if the CPU was online.
 */
export function set_cpu_online(cpu: u32, online: u32): u32 {
  const p = online_word(cpu);
  const bit: u32 = <u32>1 << (cpu & 31);
  let old: u32 = 0;
  do {
    old = READ_ONCE_u32(p);
  } while (atomic_cmpxchg(p, old, online != 0 ? old | bit : old & ~bit) != old);
  return (old & bit) != 0 ? 1 : 0;
}
