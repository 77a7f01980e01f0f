// The explorer's x86-TSO mode: a FIFO store buffer per CPU. A plain store (WRITE_ONCE,
// this_cpu_*, and rcu_assign_pointer/smp_store_release, which are plain movs on x86) goes
// into the storing CPU's buffer instead of memory; that CPU's own loads see it (store
// forwarding), the others see memory. A locked RMW (atomic_*, smp_mb()'s lock add) drains
// the buffer first, as do a delay or poll (sched_yield, when the CPU reaches it: a CPU that
// spins drains in nanoseconds) and the end of the CPU's program. Buffers drain only then: every behaviour
// shown is one x86-TSO allows, not every one it allows (no drain at an arbitrary moment).
// The module performs each access on memory itself; this file moves a buffered store's
// value from memory into the buffer (restoring the old value) before any other CPU runs,
// and writes a forwarded value into memory for the one load that reads it.
// Per-CPU fields of the storing CPU itself stay write-through (the module also reads them
// with plain loads that bypass the scheduler), except SRCU's per-CPU counters, which other
// CPUs sum: their store-to-load reordering is what SRCU's barrier B is for.
import type { Pending } from "./explore-types.js";

interface Entry { addr: number; w64: boolean; lo: number; hi: number }
interface Fix { store: boolean; addr: number; w64: boolean; lo: number; hi: number }

export class StoreBuffers {
  private buf: Entry[][];
  private fix: (Fix | undefined)[];
  private readonly srcuEnd: number;

  constructor(private readonly u32: Uint32Array, private readonly g: Readonly<Record<string, number>>, private readonly nThreads: number) {
    this.buf = Array.from({ length: nThreads }, () => []);
    this.fix = new Array(nThreads);
    const after = Object.entries(g).filter(([k, v]) => k.startsWith("PCPU_") && v > g.PCPU_SRCU).map(([, v]) => v);
    this.srcuEnd = Math.min(g.PERCPU_STRIDE, ...after);
  }

  reset(): void {
    this.buf = Array.from({ length: this.nThreads }, () => []);
    this.fix = new Array(this.nThreads);
  }

  /** Does a plain store of thread t to addr go through t's store buffer? */
  private buffered(t: number, addr: number): boolean {
    const g = this.g;
    const own = g.PERCPU_BASE + t * g.PERCPU_STRIDE;
    if (addr < own || addr >= own + g.PERCPU_STRIDE) return true;
    const off = addr - own;
    return off >= g.PCPU_SRCU && off < this.srcuEnd;
  }

  private read(addr: number, w64: boolean): [number, number] {
    return [this.u32[addr >> 2], w64 ? this.u32[(addr >> 2) + 1] : 0];
  }

  private write(addr: number, w64: boolean, lo: number, hi: number): void {
    this.u32[addr >> 2] = lo;
    if (w64) this.u32[(addr >> 2) + 1] = hi;
  }

  /** Right before thread t performs access p. */
  before(t: number, p: Pending): void {
    const g = this.g, op = p.kind;
    if (op === g.OP_ATOMIC_RMW || op === g.OP_SMP_MB) return this.drain(t);
    const load = op === g.OP_READ_ONCE || op === g.OP_THIS_CPU_RMW;
    const store = op === g.OP_WRITE_ONCE || op === g.OP_STORE_RELEASE || op === g.OP_THIS_CPU_RMW;
    if (!load && !store) return;
    const [lo, hi] = this.read(p.addr, p.w64); // the value in memory (what the other CPUs see)
    let forwarded = false;
    if (load) {
      const b = this.buf[t];
      for (let i = b.length - 1; i >= 0 && !forwarded; i--) if (b[i].addr === p.addr) (this.write(p.addr, p.w64, b[i].lo, b[i].hi), (forwarded = true));
    }
    if (store && this.buffered(t, p.addr)) this.fix[t] = { store: true, addr: p.addr, w64: p.w64, lo, hi };
    else if (forwarded) this.fix[t] = { store: false, addr: p.addr, w64: p.w64, lo, hi };
  }

  /** At thread t's next scheduling point (before anyone else runs): buffer its store, restore memory. */
  after(t: number): void {
    const f = this.fix[t];
    if (!f) return;
    this.fix[t] = undefined;
    if (f.store) {
      const [lo, hi] = this.read(f.addr, f.w64);
      this.buf[t].push({ addr: f.addr, w64: f.w64, lo, hi });
    }
    this.write(f.addr, f.w64, f.lo, f.hi);
  }

  /** Write t's buffered stores to memory, oldest first. */
  drain(t: number): void {
    for (const e of this.buf[t]) this.write(e.addr, e.w64, e.lo, e.hi);
    this.buf[t] = [];
  }

  /** Stores of thread t not yet visible to the others. */
  pending(t: number): number {
    return this.buf[t].length;
  }
}
