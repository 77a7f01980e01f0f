// Interrupt flags (include/linux/irqflags.h, arch/x86/include/asm/irqflags.h, v5.6).
// The emulated EFLAGS.IF of each CPU is a per-CPU word: 1 = interrupts disabled.
// WebAssembly cannot execute pushf/popf/cli; their cost (5.9 ns per save+restore pair
// natively, docs/native-reference.md) belongs to the cost model, so each save and
// each restore is counted as an op of its own kind.
import { PCPU_IRQS_DISABLED } from "./layout";
import { OP_IRQ_RESTORE, OP_IRQ_SAVE, count_op, cpu_reg_read_u32, cpu_reg_write_u32 } from "./primitives";

/** irqs_disabled() (include/linux/irqflags.h). */
@inline export function irqs_disabled(): bool {
  return cpu_reg_read_u32(PCPU_IRQS_DISABLED) != 0;
}

/** local_irq_save(flags): arch_local_irq_save = pushf; pop; cli. Returns the flags. */
@inline export function local_irq_save(): u32 {
  count_op(OP_IRQ_SAVE);
  const flags = cpu_reg_read_u32(PCPU_IRQS_DISABLED);
  cpu_reg_write_u32(PCPU_IRQS_DISABLED, 1);
  return flags;
}

/** local_irq_restore(flags): arch_local_irq_restore = push; popf. */
@inline export function local_irq_restore(flags: u32): void {
  count_op(OP_IRQ_RESTORE);
  cpu_reg_write_u32(PCPU_IRQS_DISABLED, flags);
}

/** local_irq_disable(): cli. */
@inline export function local_irq_disable(): void {
  cpu_reg_write_u32(PCPU_IRQS_DISABLED, 1);
}

/** local_irq_enable(): sti. */
@inline export function local_irq_enable(): void {
  cpu_reg_write_u32(PCPU_IRQS_DISABLED, 0);
}
