// Probes (the functions a tracepoint calls through its probe array, with (data, arg)):
// count, record (a per-context ring of events), spin (widens race windows), host (calls
// back into JavaScript), empty, and uaf, the poison left in freed probe arrays.
import { PCPU_TP, TPS_COUNT, TPS_HOST, TPS_SPIN, TPS_UAF } from "../layout";
import { this_cpu_ptr } from "../percpu";
import { cpu_stat_inc, this_cpu_inc_u64_at } from "../primitives";
import { TEV_PROBE, ring_append } from "./trace_events";
import { torture_random, udelay } from "../torture/random";
import { irqs_disabled } from "../irqflags";
import { in_nmi } from "../preempt";
import { sched_clock_interrupt } from "../kernel/tick";
import { PCPU_PROBE_STATS, PRS_EMPTY_ALL_ONES, PRS_TICKS, PRS_TICK_QS } from "../layout";

// @ts-ignore: the host's probe, provided by the worker's JavaScript (env.host_probe)
@external("env", "host_probe") declare function host_probe(data: u32, arg: u32): void;

/**
 * An empty probe: the cost of the call alone. The kernel's empty probe is a `ret`; this one
 * also compares `data` and branches (taken only for a probe registered with data
 * 0xffffffff, which it counts), because Binaryen removes every call to a function without
 * effects, and readers call this one directly (tracepoint/probe_call.ts): with the store
 * in the branch the call and its return stay. The emulation pays one predicted
 * compare-and-branch that the kernel does not (docs/performance.md).
 */
export function probe_empty(data: u32, arg: u32): void {
  if (data == 0xffffffff) cpu_stat_inc(PCPU_PROBE_STATS, PRS_EMPTY_ALL_ONES);
}

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
 * context writes its ring (tracepoint/trace_events.ts, kind TEV_PROBE); the host reads it
 * and advances the tail.
 */
export function probe_record(data: u32, arg: u32): void {
  ring_append(((TEV_PROBE << 24) | (data & 0xffffff)), arg, (data & 0x80000000) != 0);
}
