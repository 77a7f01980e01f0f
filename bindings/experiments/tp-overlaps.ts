// Tracepoint torture's evidence that a run could have failed (tp-torture.ts OVERLAP_FLOOR):
// per context, the probe-array releases whose grace period began while a call from that
// context held the array.
import { globalName } from "../abi/constants.js";
import { perCpuAddr } from "../abi/layout.js";
import type { Machine } from "../machine/machine.js";
import type { Context } from "./strategy-table.js";

/** The torture loop's context bit of `c` (assembly/tracepoint/torture.ts TPCTX_*). */
export const contextBit = (m: Machine, c: Context) => m.layout[globalName("TPCTX", c)];

/**
 * The overlap count: around each probe update, the array published before it; when the
 * update replaced it (and so released it), each CPU's call in progress (TPS_IN_CALL,
 * written by assembly/tracepoint/torture.ts before and after each call) that began under
 * that array counts the release once for its context. Read right after the update returns
 * on this thread, i.e. when the array's grace period has just begun.
 */
export function releaseOverlaps(m: Machine, tpId: number, contexts: readonly Context[]) {
  const L = m.layout;
  const funcsAddr = L.TP_BASE + tpId * L.TP_STRIDE + L.TP_FUNCS;
  const counts: Partial<Record<Context, number>> = Object.fromEntries(contexts.map((c) => [c, 0]));
  const slotOf = (funcs: number) => (funcs - L.PA_ENTRIES - L.TP_ARENA) / L.PA_STRIDE + 1;
  return {
    counts,
    update(step: () => void): void {
      const old = m.readU32(funcsAddr);
      step();
      if (old === 0 || m.readU32(funcsAddr) === old) return; // nothing was released
      let seen = 0;
      for (let cpu = 0; cpu < m.cpus; cpu++) {
        const w = m.readU32(perCpuAddr(L, cpu, L.PCPU_TP + L.TPS_IN_CALL));
        if (w >>> L.TPS_IN_CALL_SLOT_SHIFT === slotOf(old)) seen |= w & ((1 << L.TPS_IN_CALL_SLOT_SHIFT) - 1);
      }
      for (const c of contexts) if (seen & contextBit(m, c)) counts[c] = (counts[c] ?? 0) + 1;
    },
  };
}
