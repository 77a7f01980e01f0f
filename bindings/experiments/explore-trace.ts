// A counterexample as the interleaving: one event per access (CPU, context, kernel
// function, primitive, address, value), replayed with recording on; as text and in the
// Chrome trace-event JSON format (chrome://tracing, Perfetto), one track per CPU.
import { OP_KINDS } from "../abi/constants.js";
import type { ExploreMachine } from "./explore-machine.js";
import type { Pending, RunResult } from "./explore-types.js";
import { properties } from "./explore.js";
import { replayPolicy, type Deviation } from "./explore-schedulers.js";

export interface TraceEvent {
  readonly step: number;
  /** The CPU (or "kthread") that performed the access. */
  readonly cpu: string;
  /** task, softirq, hardirq, nmi; "/eqs" when RCU was not watching the CPU. */
  readonly context: string;
  /** The innermost kernel function that is not a primitive (from the stepping build's names). */
  readonly fn: string;
  readonly primitive: string;
  readonly addr: string;
  /** The value a load reads or a store writes (low 32 bits); for an RMW the value added. */
  readonly value: number;
  /** A scheduling-clock tick was delivered before this access. */
  readonly tick: boolean;
  /** The schedule switched to this CPU here. */
  readonly switched: boolean;
}

/** Name an address: a field of the layout (per CPU, per srcu_struct) or of the explorer's region. */
export function symbolizer(m: ExploreMachine): (addr: number) => string {
  const g = m.g;
  const pcpu = Object.entries(g).filter(([k]) => k.startsWith("PCPU_")).sort((a, b) => a[1] - b[1]);
  const srcu = Object.entries(g).filter(([k, v]) => k.startsWith("SRCU_") && !k.startsWith("SRCU_PRIV") && v < g.SRCU_STRIDE && k !== "SRCU_STRIDE" && k !== "SRCU_BASE").sort((a, b) => a[1] - b[1]);
  const abs = Object.entries(g)
    .filter(([k, v]) => /^(RCU|TORTURE|CB|TP|HDR|SHARED|PROBE)_/.test(k) && v >= g.NULL_PAGE_SIZE && v < g.PERCPU_BASE)
    .concat([["SRCU_BASE", g.SRCU_BASE]]).sort((a, b) => a[1] - b[1]);
  const gpPriv = Object.entries(g).filter(([k]) => k.startsWith("GP_PRIV_")).sort((a, b) => a[1] - b[1]);
  const floor = (list: [string, number][], v: number) => {
    let best: [string, number] | undefined;
    for (const e of list) if (e[1] <= v) best = e;
    return best;
  };
  const plus = (d: number) => (d ? `+${d}` : "");
  return (addr) => {
    if (addr >= m.exBase) {
      const off = addr - m.exBase;
      if (off >= g.EX_READERS) return `explore.reader[${Math.floor((off - g.EX_READERS) / g.EX_READER_STRIDE)}]`;
      if (off >= 128) return `explore.elem[${Math.floor((off - 128) / 64)}].mbtest${plus((off - 128) % 64)}`;
      return off === 64 ? "explore.current" : `explore+${off}`;
    }
    if (addr >= g.PERCPU_BASE) {
      const ctx = Math.floor((addr - g.PERCPU_BASE) / g.PERCPU_STRIDE), off = (addr - g.PERCPU_BASE) % g.PERCPU_STRIDE;
      const f = floor(pcpu, off);
      const who = ctx === m.nThreads - 1 ? "kthread" : `cpu${ctx}`;
      return f ? `${f[0].slice(5).toLowerCase()}${plus(off - f[1])}[${who}]` : `percpu+${off}[${who}]`;
    }
    const a = floor(abs, addr);
    if (a && a[0] === "SRCU_BASE") {
      const ssp = Math.floor((addr - g.SRCU_BASE) / g.SRCU_STRIDE), off = (addr - g.SRCU_BASE) % g.SRCU_STRIDE;
      const f = floor(srcu, off);
      return f ? `srcu[${ssp}].${f[0].slice(5).toLowerCase()}${plus(off - f[1])}` : `srcu[${ssp}]+${off}`;
    }
    if (a && a[0] === "RCU_GP_PRIV") {
      const f = floor(gpPriv, addr - a[1]);
      if (f) return `rcu_gp_kthread.${f[0].slice(8).toLowerCase()}${plus(addr - a[1] - f[1])}`;
    }
    return a ? `${a[0].toLowerCase()}${plus(addr - a[1])}` : `0x${addr.toString(16)}`;
  };
}

function contextOf(m: ExploreMachine, cpu: number): string {
  const g = m.g, base = (g.PERCPU_BASE + cpu * g.PERCPU_STRIDE) >> 2;
  const pc = m.u32[base + (g.PCPU_PREEMPT_COUNT >> 2)];
  const ctx = pc & g.NMI_MASK ? "nmi" : pc & g.HARDIRQ_MASK ? "hardirq" : pc & g.SOFTIRQ_MASK ? "softirq" : "task";
  const watching = (m.u32[base + (g.PCPU_RCU_DYNTICKS >> 2)] & g.RCU_DYNTICK_CTRL_CTR) !== 0;
  return watching ? ctx : `${ctx}/eqs`;
}

/** The innermost non-primitive wasm frame of the current JavaScript stack. */
function kernelFunction(): string {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = saved;
  for (const line of stack.split("\n")) {
    const m = /at (assembly\/[\w/]+?)\/(\w+) \(wasm/.exec(line.trim());
    if (m && m[1] !== "assembly/primitives") return m[2];
  }
  return "?";
}

/** Replay `devs` with recording on. */
export function recordTrace(m: ExploreMachine, devs: readonly Deviation[], maxSteps: number): { events: TraceEvent[]; result: RunResult } {
  const sym = symbolizer(m);
  const events: TraceEvent[] = [];
  let last = -1;
  const result = m.run(replayPolicy(devs), properties(m), maxSteps, (t: number, p: Pending, irq: number, step: number) => {
    const isLoad = p.kind === m.g.OP_READ_ONCE, isRmw = p.kind === m.g.OP_THIS_CPU_RMW || p.kind === m.g.OP_ATOMIC_RMW;
    events.push({
      step, cpu: t === m.nThreads - 1 ? "kthread" : `CPU${t}`, context: contextOf(m, t), fn: kernelFunction(),
      primitive: p.kind === m.g.STEP_YIELD ? "yield (delay/poll)" : OP_KINDS[p.kind] ?? `kind ${p.kind}`,
      addr: p.kind === m.g.STEP_YIELD ? "" : sym(p.addr), value: isLoad ? m.u32[p.addr >> 2] : isRmw ? p.value | 0 : p.value, tick: irq !== 0, switched: t !== last,
    });
    last = t;
  });
  return { events, result };
}

/** The interleaving as text, one line per access; `context` lines around each switch (all when 0). */
export function formatTrace(events: readonly TraceEvent[]): string[] {
  const lines = ["  step  cpu      context       function                     primitive      address                          value"];
  for (const e of events) {
    if (e.switched) lines.push(`  ---- switch to ${e.cpu}`);
    if (e.tick) {
      // The tick is taken before this access; the access is announced again after the handler.
      lines.push(`  ---- scheduling-clock tick on ${e.cpu} (interrupts ${e.fn} before its ${e.primitive} of ${e.addr}; the access follows the handler)`);
      continue;
    }
    lines.push(`  ${String(e.step).padStart(4)}  ${e.cpu.padEnd(7)}  ${e.context.padEnd(12)}  ${e.fn.padEnd(27)}  ${e.primitive.padEnd(13)}  ${e.addr.padEnd(31)}  ${e.value}`);
  }
  return lines;
}

/** Chrome trace-event JSON: one track (tid) per CPU, one 1-us slice per access, ticks as instant events. */
export function chromeTrace(events: readonly TraceEvent[], title: string): object {
  const tids = new Map<string, number>();
  for (const e of events) if (!tids.has(e.cpu)) tids.set(e.cpu, tids.size);
  const meta = [...tids].map(([name, tid]) => ({ name: "thread_name", ph: "M", pid: 1, tid, args: { name } }));
  const slices = events.flatMap((e) => {
    const tid = tids.get(e.cpu)!;
    const x = { name: `${e.fn}: ${e.primitive} ${e.addr}`, cat: e.context, ph: "X", ts: e.step, dur: 1, pid: 1, tid, args: { ...e } };
    return e.tick ? [{ name: "scheduling-clock tick", ph: "i", s: "t", ts: e.step, pid: 1, tid }, x] : [x];
  });
  return { traceEvents: [{ name: "process_name", ph: "M", pid: 1, args: { name: title } }, ...meta, ...slices], displayTimeUnit: "ns" };
}
