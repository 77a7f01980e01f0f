// The event ring of each context (the one the `record` probe writes, tracepoint/probes.ts)
// and the timeline events of the tracing build: where a path, a tracepoint body or the
// rcu_irq_enter/exit dance begins and ends, the nesting counters after each step, and
// grace-period start and end. `rcu-lab run --trace` turns them into a Chrome trace.
//
// The switch is compile time (`asc --use RCU_LAB_TRACING=1`, build/rcu-lab.tracing.wasm):
// in the release and counting builds trace_event() is empty and folds away, so the timed
// and counted code carries no trace of it. Recording is emulator work, not the kernel's.
//
// An entry: u32 local event clock (low bits), u32 context id, u32 kind << 24 | value
// (24 bits), u32 argument. Only the owning context writes its ring; the host reads the
// entries below head and advances the tail.
import {
  PCPU_RCU_DYNTICKS, PCPU_RCU_NESTING, PCPU_RCU_NMI_NESTING, RING_BASE, RING_CLOCK, RING_DROPS,
  RING_ENTRIES, RING_ENTRY_SIZE, RING_HEAD, RING_OVERWRITES, RING_SIZE, RING_STRIDE, RING_TAIL, SCN_TRACE_DROP,
} from "../layout";
import { smp_processor_id } from "../percpu";
import {
  READ_ONCE_u32, READ_ONCE_u64, WRITE_ONCE_u32, WRITE_ONCE_u64, cpu_reg_read_u32, emulator_read_u32, smp_store_release, this_cpu_read_i64,
} from "../primitives";

/** DYNTICK_IRQ_NONIDLE = LONG_MAX / 2 + 1 (kernel/rcu/tree.c, v5.6): bit 62. */
const DYNTICK_IRQ_NONIDLE_BIT: i64 = 62;

// @ts-ignore: defined on the asc command line of the tracing build only
@inline const TRACING: bool = isDefined(RCU_LAB_TRACING);
/** 1 in the tracing build (the host checks which build it loaded). */
export const TRACING_BUILD: u32 = TRACING ? 1 : 0;

// Event kinds (the high byte of an entry's third word); bindings/abi/constants.ts TEV_KINDS.
/** A `record` probe call: value = tracepoint id, argument = the tracepoint's argument. */
export const TEV_PROBE: u32 = 0;
/** A path of the mix begins / ends: value = path id (kernel/path_mix.ts PATH_*). */
export const TEV_PATH_BEGIN: u32 = 1;
export const TEV_PATH_END: u32 = 2;
/** The rcuidle irq tracepoint's body begins / ends: value = RCUIDLE_BODY_*. */
export const TEV_TP_BEGIN: u32 = 3;
export const TEV_TP_END: u32 = 4;
/** A step of the rcu_irq_enter/exit dance begins / ends: value = DANCE_*. */
export const TEV_DANCE_BEGIN: u32 = 5;
export const TEV_DANCE_END: u32 = 6;
/** The nesting counters now: argument = nesting (bits 0-7) | nmi_nesting - its IRQ_NONIDLE part (8-23) | IRQ_NONIDLE set (24) | watching (25). */
export const TEV_NESTING: u32 = 7;
/** A grace period starts / ends (the kthread's ring): value = gp_seq, argument = the kthread's clock in us, low 32 bits. */
export const TEV_GP_START: u32 = 8;
export const TEV_GP_END: u32 = 9;
export const NR_TEV_KINDS: u32 = 10;

// Steps of the dance (TEV_DANCE_* values).
export const DANCE_RCU_IRQ_ENTER_IRQSON: u32 = 0;
export const DANCE_RCU_IRQ_EXIT_IRQSON: u32 = 1;
export const DANCE_RCU_IRQ_ENTER: u32 = 2;
export const DANCE_RCU_IRQ_EXIT: u32 = 3;
export const DANCE_RCU_IRQ_ENTER_IRQSON_V4_18: u32 = 4;
export const DANCE_RCU_IRQ_EXIT_IRQSON_V4_18: u32 = 5;
export const NR_DANCE_STEPS: u32 = 6;

/**
 * Append an entry to this context's ring. `drop`: a full ring drops the event and counts
 * it; otherwise the oldest entry is overwritten and counted. The release store of head
 * pairs with the host's Atomics.load of head: it reads only entries below it.
 */
@inline export function ring_append(data: u32, arg: u32, drop: bool): void {
  const cpu = smp_processor_id();
  const ring = <usize>RING_BASE + <usize>cpu * RING_STRIDE;
  const head = READ_ONCE_u32(ring + RING_HEAD);
  if (head - READ_ONCE_u32(ring + RING_TAIL) >= RING_SIZE) {
    if (drop) {
      WRITE_ONCE_u32(ring + RING_DROPS, READ_ONCE_u32(ring + RING_DROPS) + 1);
      return;
    }
    WRITE_ONCE_u32(ring + RING_OVERWRITES, READ_ONCE_u32(ring + RING_OVERWRITES) + 1);
  }
  const clock = READ_ONCE_u64(ring + RING_CLOCK) + 1;
  WRITE_ONCE_u64(ring + RING_CLOCK, clock);
  const e = ring + RING_ENTRIES + <usize>(head % RING_SIZE) * RING_ENTRY_SIZE;
  WRITE_ONCE_u32(e, <u32>clock);
  WRITE_ONCE_u32(e + 4, cpu);
  WRITE_ONCE_u32(e + 8, data);
  WRITE_ONCE_u32(e + 12, arg);
  smp_store_release(ring + RING_HEAD, head + 1);
}

/** A timeline event (tracing build only): the scenario chooses drop or overwrite mode (SCN_TRACE_DROP). */
@inline export function trace_event(kind: u32, value: u32, arg: u32 = 0): void {
  if (TRACING) ring_append((kind << 24) | (value & 0xffffff), arg, emulator_read_u32(SCN_TRACE_DROP) != 0);
}

/** The nesting counters of this CPU as a TEV_NESTING event (tracing build only). */
@inline export function trace_nesting(): void {
  if (TRACING) {
    const nesting = this_cpu_read_i64(PCPU_RCU_NESTING);
    const nmi = this_cpu_read_i64(PCPU_RCU_NMI_NESTING);
    const nonidle: u32 = (nmi >> DYNTICK_IRQ_NONIDLE_BIT) != 0 ? 1 : 0;
    const low = <u32>(nmi & ((<i64>1 << DYNTICK_IRQ_NONIDLE_BIT) - 1)) & 0xffff;
    const watching: u32 = (cpu_reg_read_u32(PCPU_RCU_DYNTICKS) & 2) != 0 ? 1 : 0;
    trace_event(TEV_NESTING, 0, (<u32>nesting & 0xff) | (low << 8) | (nonidle << 24) | (watching << 25));
  }
}

/** A dance step's slice: begin (tracing build only). */
@inline export function trace_dance_begin(step: u32): void {
  trace_event(TEV_DANCE_BEGIN, step);
}

/** A dance step's slice: end, then the counters it left. */
@inline export function trace_dance_end(step: u32): void {
  trace_event(TEV_DANCE_END, step);
  trace_nesting();
}
