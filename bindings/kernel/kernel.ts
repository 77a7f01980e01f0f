// The host-side kernel of one machine: tree RCU, the srcu_structs by name, and the
// tracepoint core. Booting it runs the static initialisers in the host's context
// (DEFINE_SRCU(tracepoint_srcu) and its SRCU-fast twin: tracepoint_srcu_init).
import type { KernelHost } from "./host.js";
import { Rcu, SrcuStruct, type SrcuFlavor } from "./rcu.js";
import { Tracepoints } from "./tracepoint.js";
import { Interrupts } from "./interrupts.js";

export class Kernel {
  /** Tree RCU: synchronize_rcu(), call_rcu(), the polled API. */
  readonly rcu: Rcu;
  /** Tracepoints: define, register, unregister. */
  readonly tracepoints: Tracepoints;
  /** Interrupts delivered to running CPUs: schedules, IPIs, delivery counts. */
  readonly interrupts: Interrupts;
  private readonly srcuStructs = new Map<string, SrcuStruct>();

  constructor(private readonly host: KernelHost) {
    const L = host.layout;
    host.exports.tracepoint_srcu_init();
    this.rcu = new Rcu(host);
    this.interrupts = new Interrupts(host);
    const tracepointSrcu = new SrcuStruct(host, L.TP_SRCU, "tracepoint_srcu", "srcu");
    const tracepointSrcuFast = new SrcuStruct(host, L.TP_SRCU_FAST, "tracepoint_srcu_fast", "srcu-fast");
    for (const s of [tracepointSrcu, tracepointSrcuFast]) this.srcuStructs.set(s.name, s);
    this.tracepoints = new Tracepoints(host, { rcu: this.rcu, tracepointSrcu, tracepointSrcuFast });
  }

  /** An srcu_struct by name: "tracepoint_srcu" and "tracepoint_srcu_fast" always exist. */
  srcu(name: string): SrcuStruct {
    this.host.open(`srcu('${name}')`);
    const s = this.srcuStructs.get(name);
    if (!s) throw new Error(`no srcu_struct '${name}'; known: ${[...this.srcuStructs.keys()].join(", ")} (create one with initSrcu())`);
    return s;
  }

  hasSrcu(name: string): boolean {
    this.host.open(`hasSrcu('${name}')`);
    return this.srcuStructs.has(name);
  }

  /** init_srcu_struct(): a new srcu_struct of the given flavor, in the first free slot. */
  initSrcu(name: string, flavor: SrcuFlavor = "srcu"): SrcuStruct {
    this.host.check(`initSrcu('${name}')`);
    if (flavor !== "srcu" && flavor !== "srcu-fast") throw new RangeError(`flavor must be "srcu" or "srcu-fast"; got ${JSON.stringify(flavor)}`);
    if (this.srcuStructs.has(name)) throw new Error(`srcu_struct '${name}' exists already`);
    const L = this.host.layout, x = this.host.exports;
    let index = 0;
    while (index < L.NR_SRCU && x.srcu_flavor(index) !== L.SRCU_FLAVOR_NONE) index++;
    if (index >= L.NR_SRCU) {
      throw new RangeError(`no room for srcu_struct '${name}': this build has NR_SRCU = ${L.NR_SRCU} (${[...this.srcuStructs.keys()].join(", ")})`);
    }
    x.srcu_init(index, flavor === "srcu" ? L.SRCU_FLAVOR_NORMAL : L.SRCU_FLAVOR_FAST);
    const s = new SrcuStruct(this.host, index, name, flavor);
    this.srcuStructs.set(name, s);
    return s;
  }
}
