// Probes (the functions a tracepoint calls through its probe array, with (data, arg)):
// count, record (a per-context ring of events), spin (widens race windows), host (calls
// back into JavaScript), empty, and uaf, the poison left in freed probe arrays.
import {
  PCPU_TP, RING_BASE, RING_CLOCK, RING_DROPS, RING_ENTRIES, RING_ENTRY_SIZE, RING_HEAD, RING_OVERWRITES, RING_SIZE,
  RING_STRIDE, RING_TAIL, TPS_COUNT, TPS_HOST, TPS_SPIN, TPS_UAF,
} from "../layout";
import { smp_processor_id, this_cpu_ptr } from "../percpu";
import { READ_ONCE_u32, READ_ONCE_u64, WRITE_ONCE_u32, WRITE_ONCE_u64, cpu_stat_inc, smp_store_release, this_cpu_inc_u64_at } from "../primitives";
import { torture_random, udelay } from "../torture/random";
import { irqs_disabled } from "../irqflags";
import { in_nmi } from "../preempt";
import { sched_clock_interrupt } from "../kernel/tick";
import { PCPU_PROBE_STATS, PRS_TICKS, PRS_TICK_QS } from "../layout";

// @ts-ignore: the host's probe, provided by the worker's JavaScript (env.host_probe)
@external("env", "host_probe") declare function host_probe(data: u32, arg: u32): void;

/** An empty probe: the cost of the call alone. */
export function probe_empty(data: u32, arg: u32): void {}

/** count: this_cpu_inc of the CPU's event counter. */
export function probe_count(data: u32, arg: u32): void {
  this_cpu_inc_u64_at(this_cpu_ptr(PCPU_TP) + TPS_COUNT);
}

/** spin: a busy-wait of `data`/2 to `data` microseconds inside the probe (a slow probe, a long reader). */
export function probe_spin(data: u32, arg: u32): void {
  cpu_stat_inc(PCPU_TP, TPS_SPIN);
  udelay((data >> 1) + torture_random() % ((data >> 1) + 1));
}

/** host: calls back into JavaScript (the slow path; its cost is reported on its own). */
export function probe_host(data: u32, arg: u32): void {
  cpu_stat_inc(PCPU_TP, TPS_HOST);
  host_probe(data, arg);
}

/**
 * tick: a probe that runs `data`/2 to `data` microseconds and takes a scheduling-clock
 * interrupt (kernel/tick.ts) every quarter of it, where one can arrive: interrupts enabled
 * and not in an NMI (x86 enters an NMI handler through an interrupt gate, IF clear). So
 * from task context and from the idle loop after its sti; in irq and NMI handlers it only
 * spins. A nested tick must not report a quiescent state under the reader: the reports are
 * counted, and a grace period that ends under the reader shows as a use-after-free.
 */
export function probe_tick(data: u32, arg: u32): void {
  const ticks = !(irqs_disabled() || in_nmi());
  for (let k = 0; k < 4; k++) {
    if (ticks) {
      cpu_stat_inc(PCPU_PROBE_STATS, PRS_TICKS);
      if (sched_clock_interrupt() != 0) cpu_stat_inc(PCPU_PROBE_STATS, PRS_TICK_QS);
    }
    udelay((data >> 3) + torture_random() % ((data >> 3) + 1));
  }
}

/** The poison of a freed probe array: a reader that calls it used freed memory. */
export function probe_uaf(data: u32, arg: u32): void {
  cpu_stat_inc(PCPU_TP, TPS_UAF);
}

/**
 * record: append (timestamp, CPU, tracepoint id, argument) to this context's ring. `data`
 * is the tracepoint id, bit 31 set for drop mode (a full ring drops the event and counts
 * it) and clear for overwrite mode (the oldest event is overwritten and counted). The
 * timestamp is the context's local event clock (WebAssembly has no clock). Only this
 * context writes its ring; the host reads it and advances the tail.
 */
export function probe_record(data: u32, arg: u32): void {
  const cpu = smp_processor_id();
  const ring = <usize>RING_BASE + <usize>cpu * RING_STRIDE;
  const head = READ_ONCE_u32(ring + RING_HEAD);
  const full = head - READ_ONCE_u32(ring + RING_TAIL) >= RING_SIZE;
  if (full) {
    if (data & 0x80000000) {
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
  WRITE_ONCE_u32(e + 8, data & 0x7fffffff);
  WRITE_ONCE_u32(e + 12, arg);
  smp_store_release(ring + RING_HEAD, head + 1); // the host reads entries below head
}

