// Tracepoints from the host: define, register and unregister probes (kernel/tracepoint.c
// semantics, v5.6, run in the module by the host's own instance), and
// tracepoint_synchronize_unregister(). Probes are the module's probe_* functions.
import { ERRNO_NAMES } from "../abi/constants.js";
import type { Exports } from "../worker/boot.js";
import type { KernelHost } from "./host.js";
import type { Rcu, SrcuStruct } from "./rcu.js";

export const PROBES = ["empty", "count", "record", "spin", "host", "tick", "rcu"] as const;
export type ProbeName = (typeof PROBES)[number];

/** How an old probe array is released, as a kernel version does it. */
export type ReleaseChain = "rcu" | "rcu-srcu" | "rcu-srcu-fast";

export class TracepointError extends Error {
  /** The errno's name, e.g. "ENOMEM". */
  readonly code: string;
  constructor(readonly errno: number, what: string, detail: string, names: Readonly<Record<string, number>>) {
    const code = ERRNO_NAMES.find((n) => names[n] === errno) ?? String(errno);
    super(`${what}: -${code}: ${detail}`);
    this.name = "TracepointError";
    this.code = code;
  }
}

/** What a tracepoint needs besides the host: the grace periods of its release chains. */
export interface TracepointDeps {
  readonly rcu: Rcu;
  /** tracepoint_srcu (DEFINE_SRCU in kernel/tracepoint.c) and its SRCU-fast twin. */
  readonly tracepointSrcu: SrcuStruct;
  readonly tracepointSrcuFast: SrcuStruct;
}

export interface ProbeEntry {
  probe: ProbeName;
  data: number;
  prio: number;
}

export class Tracepoint {
  private readonly x: Exports;

  constructor(private readonly host: KernelHost, private readonly deps: TracepointDeps, readonly id: number, readonly name: string) {
    this.x = host.exports;
  }

  private error(rc: number, what: string, detail: string): TracepointError {
    return new TracepointError(-rc, what, detail, this.host.layout);
  }

  /**
   * tracepoint_probe_register_prio(): higher prio runs first; equal prio after existing probes.
   * `null` passes a NULL probe, which the kernel refuses with WARN_ON and -EINVAL.
   */
  register(probe: ProbeName | null, data = 0, prio = this.host.layout.TRACEPOINT_DEFAULT_PRIO): void {
    this.host.open(`tracepoint_probe_register(${this.name})`);
    const what = `tracepoint_probe_register(${this.name}, ${probe ?? "NULL"}, data ${data}, prio ${prio})`;
    checkU32(data, what, "data");
    if (!Number.isInteger(prio) || prio < -(2 ** 31) || prio >= 2 ** 31) throw new RangeError(`${what}: prio must be a 32-bit integer`);
    const rc = this.x.tracepoint_probe_register(this.id, probeIndex(this.host, probe), data, prio);
    if (rc === 0) return;
    const L = this.host.layout;
    if (rc === -L.EINVAL && probe === null) throw this.error(rc, what, "a NULL probe is refused (WARN_ON and WARN_ON_ONCE counted)");
    if (rc === -L.EEXIST) throw this.error(rc, what, "this (probe, data) pair is registered already (WARN_ON_ONCE counted)");
    if (rc === -L.ENOMEM) throw this.error(rc, what, this.nomem());
    if (rc === -L.ENOSPC) throw this.error(rc, what, `this build's probe arrays hold at most ${L.TP_MAX_PROBES} probes per tracepoint`);
    throw this.error(rc, what, "rejected");
  }

  /**
   * tracepoint_probe_unregister(): -ENOENT only when the tracepoint has no probes at all.
   * `null` passes a NULL probe, which removes every probe (v5.6 func_remove()).
   */
  unregister(probe: ProbeName | null, data = 0): void {
    this.host.open(`tracepoint_probe_unregister(${this.name})`);
    const what = `tracepoint_probe_unregister(${this.name}, ${probe ?? "NULL"}, data ${data})`;
    checkU32(data, what, "data");
    const rc = this.x.tracepoint_probe_unregister(this.id, probeIndex(this.host, probe), data);
    if (rc === 0) return;
    const L = this.host.layout;
    if (rc === -L.ENOENT) throw this.error(rc, what, "the tracepoint has no probes (WARN_ON_ONCE counted)");
    if (rc === -L.ENOMEM) throw this.error(rc, what, this.nomem());
    throw this.error(rc, what, "rejected");
  }

  /** The published probe array, in call order. */
  probes(): ProbeEntry[] {
    this.host.open(`${this.name}: probes()`);
    const n = this.x.tracepoint_nr_probes(this.id);
    const out: ProbeEntry[] = [];
    for (let i = 0; i < n; i++) {
      const fn = this.x.tracepoint_probe_func(this.id, i);
      out.push({ probe: probeName(this.host, fn), data: this.x.tracepoint_probe_data(this.id, i) >>> 0, prio: this.x.tracepoint_probe_prio(this.id, i) });
    }
    return out;
  }

  /** Whether the published array pointer is NULL (no probes). */
  get hasArray(): boolean {
    this.host.open(`${this.name}: hasArray`);
    return this.x.tracepoint_nr_probes(this.id) >= 0;
  }

  get keyEnabled(): boolean {
    this.host.open(`${this.name}: keyEnabled`);
    return this.x.tracepoint_key(this.id) === 1;
  }

  /** WARN_ON_ONCE()s of register/unregister on this tracepoint. */
  get warnings(): number {
    this.host.open(`${this.name}: warnings`);
    return this.x.tracepoint_warns(this.id) >>> 0;
  }

  /** Choose how old arrays are released (the kernel version's chain). */
  setRelease(chain: ReleaseChain): void {
    this.host.open(`${this.name}: setRelease`);
    const L = this.host.layout;
    if (chain === "rcu") this.x.tracepoint_set_release(this.id, L.TP_RELEASE_RCU, 0);
    else if (chain === "rcu-srcu") this.x.tracepoint_set_release(this.id, L.TP_RELEASE_RCU_SRCU, this.deps.tracepointSrcu.index);
    else if (chain === "rcu-srcu-fast") this.x.tracepoint_set_release(this.id, L.TP_RELEASE_RCU_SRCU, this.deps.tracepointSrcuFast.index);
    else throw new RangeError(`release chain must be "rcu", "rcu-srcu" or "rcu-srcu-fast"; got ${JSON.stringify(chain)}`);
  }

  private nomem(): string {
    const inUse = this.x.tp_arrays_in_use();
    return (
      `no probe array available (the arena holds ${this.host.layout.NR_PROBE_ARRAYS} arrays of at most ${this.host.layout.TP_MAX_PROBES} probes; ` +
      `${inUse} in use or waiting for their grace periods): wait with tracepointSynchronizeUnregister(), or register fewer probes`
    );
  }
}

function checkU32(v: number, what: string, name: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`${what}: ${name} must be an integer in 0..4294967295`);
}

/** The probe's function-table index; NULL (index 0, never a function) for `null`. */
function probeIndex(host: KernelHost, probe: ProbeName | null): number {
  if (probe === null) return 0;
  if (!PROBES.includes(probe)) throw new RangeError(`unknown probe '${probe}'; expected one of: ${PROBES.join(", ")}`);
  return host.functionIndex(`probe_${probe}`);
}

function probeName(host: KernelHost, fn: number): ProbeName {
  for (const p of PROBES) if (host.functionIndex(`probe_${p}`) === fn) return p;
  throw new Error(`function-table entry ${fn} is not a probe`);
}

/** The host's tracepoints of one machine. */
export class Tracepoints {
  private readonly byName = new Map<string, Tracepoint>();

  private readonly x: Exports;

  /** The tracepoint core of the host's context: it tells the module its release callbacks. */
  constructor(private readonly host: KernelHost, private readonly deps: TracepointDeps) {
    this.x = host.exports;
    const idx = (n: string) => host.functionIndex(n);
    this.x.tp_set_functions(idx("probe_uaf"), idx("cb_srcu_free_old_probes"), idx("cb_rcu_free_old_probes"), idx("cb_rcu_then_srcu_free_old_probes"));
    this.x.tp_set_probe_functions(idx("probe_empty"), idx("probe_count")); // called directly (assembly/tracepoint/probe_call.ts)
  }

  /**
   * The update side of the object the `rcu` probe dereferences: publish a fresh object and
   * free the old one with call_rcu() (poisoned by its callback). False when every object of
   * the pool still awaits its grace period (nothing replaced).
   */
  replaceRcuProbeObject(): boolean {
    this.host.check("replacing the rcu probe's object");
    return this.x.probe_rcu_replace(this.host.functionIndex("cb_probe_rcu_free")) === 1;
  }

  /** Define tracepoint `name` (DEFINE_TRACE): ids are given in order of definition. */
  define(name: string, release: ReleaseChain = "rcu-srcu"): Tracepoint {
    this.host.open(`tracepoints.define('${name}')`);
    if (this.byName.has(name)) throw new Error(`tracepoint '${name}' is defined already`);
    const id = this.byName.size;
    if (id >= this.host.layout.NR_TRACEPOINTS) throw new RangeError(`no room for tracepoint '${name}': this build has NR_TRACEPOINTS = ${this.host.layout.NR_TRACEPOINTS}`);
    const tp = new Tracepoint(this.host, this.deps, id, name);
    tp.setRelease(release);
    this.byName.set(name, tp);
    return tp;
  }

  has(name: string): boolean {
    this.host.open(`tracepoints.has('${name}')`);
    return this.byName.has(name);
  }

  /** The tracepoint with id `id`. */
  byId(id: number): Tracepoint {
    this.host.open(`tracepoints.byId(${id})`);
    for (const tp of this.byName.values()) if (tp.id === id) return tp;
    throw new Error(`no tracepoint with id ${id}`);
  }

  get(name: string): Tracepoint {
    this.host.open(`tracepoints.get('${name}')`);
    const tp = this.byName.get(name);
    if (!tp) throw new Error(`no tracepoint '${name}'; defined: ${[...this.byName.keys()].join(", ") || "none"}`);
    return tp;
  }

  /** tracepoint_synchronize_unregister() (v5.6): synchronize_srcu(&tracepoint_srcu); synchronize_rcu(). */
  async synchronizeUnregister(): Promise<void> {
    this.host.open("tracepoint_synchronize_unregister()");
    await this.deps.tracepointSrcu.synchronize();
    await this.deps.tracepointSrcuFast.synchronize();
    await this.deps.rcu.synchronize();
  }

  /**
   * Run one register/unregister step; while the arena is full (-ENOMEM), wait for a grace
   * period (old arrays are freed after theirs) and try again. Other errors propagate.
   */
  async retryWhileArenaFull(step: () => void): Promise<void> {
    this.host.open("tracepoints.retryWhileArenaFull");
    for (;;) {
      try {
        step();
        return;
      } catch (e) {
        if (!(e instanceof TracepointError) || e.code !== "ENOMEM") throw e;
        await this.deps.rcu.synchronize();
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  }

  /** Probe arrays allocated and not yet freed. */
  get arraysInUse(): number {
    this.host.open("tracepoints.arraysInUse");
    return this.x.tp_arrays_in_use();
  }
}
