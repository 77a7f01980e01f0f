// The emulated kernel's clock rate: CONFIG_HZ (include/asm-generic/param.h, kernel/Kconfig.hz)
// and one jiffy in the microseconds of the emulation's clock (the workers' nowUs()). Every
// delay the kernel states in jiffies (FQS intervals, SRCU_INTERVAL) is converted here, so
// that grace-period latencies carry the kernel's jiffy granularity. Exported as immutable
// globals (assembly/index.ts) and reported by Machine.timing.

/** CONFIG_HZ of the emulated kernel: 1000, the common x86-64 distribution setting. */
export const HZ: u32 = 1000;

/** One jiffy in microseconds (USEC_PER_SEC / HZ). */
export const JIFFY_US: u32 = 1000000 / HZ;

/** jiffies_to_usecs(j) for the emulation's clock (f64 microseconds). */
@inline export function jiffies_to_us(j: u32): f64 {
  return <f64>j * <f64>JIFFY_US;
}
