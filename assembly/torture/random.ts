// torture_random() and udelay() for the emulated CPUs (kernel/torture.c,
// include/linux/delay.h). The generator is per CPU (xorshift64*), seeded by the host;
// udelay() spins a calibrated number of iterations: a busy-wait, as the kernel's is.
import { PCPU_COUNTER, PCPU_PRNG, PRNG_SPINS_PER_US } from "../layout";
import { this_cpu_ptr } from "../percpu";
import { irq_poll } from "../kernel/irq_delivery";
import { READ_ONCE_u32, cpu_reg_read_u32, cpu_reg_read_u64, cpu_reg_write_u32, cpu_reg_write_u64 } from "../primitives";

/** The next pseudo-random number of this CPU (the state is CPU-private: plain accesses). */
export function torture_random(): u32 {
  let x = cpu_reg_read_u64(PCPU_PRNG);
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  cpu_reg_write_u64(PCPU_PRNG, x);
  return <u32>((x * 0x2545f4914f6cdd1d) >> 32);
}

/** Seed this CPU's generator and record its spin rate (iterations per microsecond). */
export function torture_random_init(seed: u32, spins_per_us: u32): void {
  cpu_reg_write_u64(PCPU_PRNG, (<u64>seed << 32) | 0x9e3779b9);
  cpu_reg_write_u32(PCPU_PRNG + PRNG_SPINS_PER_US, spins_per_us > 0 ? spins_per_us : 1);
  for (let i = 0; i < 8; i++) torture_random();
}

/** A busy-wait of `n` iterations (each one READ_ONCE of a private word). Returns n. */
export function torture_spin(n: u32): u32 {
  const p = this_cpu_ptr(PCPU_COUNTER);
  let acc: u32 = 0;
  for (let i: u32 = 0; i < n; i++) acc += READ_ONCE_u32(p);
  return n + (acc & 0);
}

/**
 * udelay(us) (include/linux/delay.h): spin for about `us` microseconds. Interrupts stay as
 * the caller has them: each microsecond ends at an interrupt-enabled point
 * (kernel/irq_delivery.ts irq_poll(): nothing is taken while interrupts are disabled), so an
 * IPI or a tick can land inside a reader's delay, as in the kernel.
 */
export function udelay(us: u32): void {
  const spins = cpu_reg_read_u32(PCPU_PRNG + PRNG_SPINS_PER_US);
  for (let i: u32 = 0; i < us; i++) {
    torture_spin(spins);
    irq_poll();
  }
}
