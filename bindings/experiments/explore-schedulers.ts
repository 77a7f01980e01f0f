// Schedulers of the explorer: each turns the decisions of one run (which CPU performs its
// next access, and whether a scheduling-clock tick comes first) into a policy. A schedule
// is written as its deviations from the default policy (run the current CPU until it
// yields or ends, then the next one round robin), so that a schedule is short, replays
// exactly and can be minimized by dropping deviations.
//   exhaustive - every schedule with at most `bound` deviations (CHESS's and loom's
//                preemption bound), depth first, stateless: each schedule re-executes
//                from the initial state; ticks are deviations of their own kind.
//   random     - at each decision, a random CPU with probability `switchRate`, a tick with `tickRate`.
//   pct        - probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): random
//                distinct priorities, d-1 priority change points; the highest-priority CPU runs.
import type { Choice, Decision, Policy } from "./explore-types.js";

/** One deviation: at decision `k`, `thread` runs (after a tick when `irq` is not 0). */
export interface Deviation { readonly k: number; readonly thread: number; readonly irq: number }

/**
 * The default policy's choice: the current CPU unless it yielded or ended, else the next
 * preferred one round robin (a preempted CPU is held off for a while: Decision.preferred).
 */
export function defaultThread(d: Decision): number {
  if (d.current >= 0 && !d.yielded && d.enabled.includes(d.current)) return d.current;
  for (const t of d.preferred) if (t > d.current) return t;
  return d.preferred[0];
}

/** A policy that records its deviations from the default into `out`. */
function recording(choose: (d: Decision, k: number, def: number) => Choice, out: Deviation[]): Policy {
  let k = 0;
  return (d) => {
    const def = defaultThread(d);
    const c = choose(d, k, def);
    if (c.thread !== def || c.irq !== 0) out.push({ k, thread: c.thread, irq: c.irq });
    k++;
    return c;
  };
}

/** Replay: the deviations at their decisions (when still possible there), the default elsewhere. */
export function replayPolicy(devs: readonly Deviation[], out: Deviation[] = []): Policy {
  const at = new Map(devs.map((v) => [v.k, v]));
  return recording((d, k, def) => {
    const v = at.get(k);
    if (v && d.enabled.includes(v.thread) && (v.irq === 0 || d.irqOk[v.thread])) return { thread: v.thread, irq: v.irq };
    return { thread: def, irq: 0 };
  }, out);
}

/**
 * The default policy, but every tick a CPU may take comes at its first chance: with the
 * default schedule, the exploratory runs that find which faulted branches a configuration
 * evaluates (explore.ts faultReach; the default schedule alone delivers no tick).
 */
export function ticksFirstPolicy(irq: number): Policy {
  return recording((d, _k, def) => ({ thread: def, irq: d.irqOk[def] ? irq : 0 }), []);
}

/** mulberry32: a small seeded PRNG, so that every random schedule can be run again from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Node { alts: Choice[]; idx: number; cost: number[] }

/**
 * Depth-first enumeration of the schedules with at most `bound` deviations. next() gives
 * the policy of the next schedule (undefined when all were explored); after the run,
 * done() advances the search.
 */
export class Exhaustive {
  private stack: Node[] = [];
  private finished = false;
  constructor(readonly bound: number) {}

  next(out: Deviation[]): Policy | undefined {
    if (this.finished) return undefined;
    let used = 0;
    return recording((d, k, def) => {
      let node = this.stack[k];
      if (!node) {
        const alts: Choice[] = [{ thread: def, irq: 0 }];
        const cost = [0];
        if (used < this.bound && d.mayPreempt) {
          if (d.irqOk[def]) (alts.push({ thread: def, irq: 1 }), cost.push(1));
          for (const t of d.enabled) {
            if (t === def) continue;
            alts.push({ thread: t, irq: 0 }), cost.push(1);
            if (d.irqOk[t] && used + 1 < this.bound) alts.push({ thread: t, irq: 1 }), cost.push(2);
          }
        }
        node = { alts, idx: 0, cost };
        this.stack.push(node);
      }
      used += node.cost[node.idx];
      return node.alts[node.idx];
    }, out);
  }

  /** After a run of `decisions` decisions: backtrack to the deepest decision with an untried alternative. */
  done(decisions: number): void {
    this.stack.length = Math.min(this.stack.length, decisions);
    while (this.stack.length > 0) {
      const top = this.stack[this.stack.length - 1];
      if (top.idx + 1 < top.alts.length) {
        top.idx++;
        return;
      }
      this.stack.pop();
    }
    this.finished = true;
  }
}

/** A random schedule: a random CPU at each decision with probability switchRate, a tick with tickRate. */
export function randomPolicy(seed: number, switchRate: number, tickRate: number, out: Deviation[]): Policy {
  const r = prng(seed);
  return recording((d, _k, def) => {
    const t = r() < switchRate ? d.enabled[Math.floor(r() * d.enabled.length)] : def;
    return { thread: t, irq: d.irqOk[t] && r() < tickRate ? 1 : 0 };
  }, out);
}

/**
 * PCT with depth `depth` over runs of about `length` decisions: threads get random distinct
 * priorities above depth; at the i-th change point (chosen uniformly) the running thread
 * drops to priority depth - i. A thread that yields drops below every other (it waits for
 * them). A tick comes at a random decision where it may (one per CPU's budget).
 */
export function pctPolicy(seed: number, depth: number, length: number, nThreads: number, out: Deviation[]): Policy {
  const r = prng(seed);
  const prio = Array.from({ length: nThreads }, (_, i) => depth + 1 + i);
  for (let i = prio.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [prio[i], prio[j]] = [prio[j], prio[i]];
  }
  const change = new Map<number, number>();
  for (let i = 1; i < depth; i++) change.set(Math.floor(r() * length), depth - i);
  const tickAt = Math.floor(r() * length);
  let low = 0;
  return recording((d, k) => {
    if (d.current >= 0 && change.has(k)) prio[d.current] = change.get(k)!;
    if (d.current >= 0 && d.yielded) prio[d.current] = --low;
    let best = d.enabled[0];
    for (const t of d.enabled) if (prio[t] > prio[best]) best = t;
    return { thread: best, irq: k >= tickAt && d.irqOk[best] ? 1 : 0 };
  }, out);
}
