// Checks that the layout and the per-CPU areas are what docs/architecture.md requires: regions that
// do not overlap, hot per-CPU fields on cache lines of their own, and each CPU's area
// written by that CPU only. Used by the tests (and available to embedders).
import { HOT_PERCPU_FIELDS, layoutEnd, type Layout } from "./layout.js";

/** Problems with a layout for `cpus` CPUs (empty when sound). */
export function checkLayout(L: Layout, cpus: number): string[] {
  const problems: string[] = [];
  const regions = [
    { name: "null page", start: 0, end: L.NULL_PAGE_SIZE },
    { name: "header", start: L.HDR_BASE, end: L.HDR_BASE + L.HDR_SIZE },
    { name: "shared words", start: L.SHARED_BASE, end: L.SHARED_BASE + L.SHARED_WORDS * L.SHARED_STRIDE },
    { name: "rcu_state", start: L.RCU_STATE_BASE, end: L.RCU_STATE_BASE + L.RCU_STATE_SIZE },
    { name: "srcu_structs", start: L.SRCU_BASE, end: L.SRCU_BASE + L.NR_SRCU * L.SRCU_STRIDE },
    { name: "callback rings", start: L.CB_BASE, end: L.CB_BASE + L.NR_CB_FLAVORS * L.CB_STRIDE },
    { name: "rcutorture", start: L.TORTURE_BASE, end: L.TORTURE_END },
    { name: "mailboxes", start: L.MAILBOX_BASE, end: L.MAILBOX_BASE + (L.NR_CPUS + L.NR_EXTRA_CONTEXTS) * L.MAILBOX_STRIDE },
    { name: "per-CPU areas", start: L.PERCPU_BASE, end: layoutEnd(L, cpus) },
  ];
  for (let i = 1; i < regions.length; i++) {
    if (regions[i].start < regions[i - 1].end) {
      problems.push(`${regions[i].name} (at ${regions[i].start}) overlaps ${regions[i - 1].name} (ends at ${regions[i - 1].end})`);
    }
  }
  for (const r of regions.slice(1)) if (r.start % L.CACHELINE) problems.push(`${r.name} does not start on a cache line (${r.start})`);
  if (L.SHARED_STRIDE % L.CACHELINE) problems.push(`shared words are ${L.SHARED_STRIDE} bytes apart, not whole cache lines`);
  if (L.PERCPU_STRIDE % L.CACHELINE) problems.push(`per-CPU stride ${L.PERCPU_STRIDE} is not whole cache lines`);
  if (L.MAILBOX_STRIDE % L.CACHELINE) problems.push(`mailbox stride ${L.MAILBOX_STRIDE} is not whole cache lines`);
  const lines = new Map<number, string>();
  for (const f of HOT_PERCPU_FIELDS) {
    const off = L[f];
    if (off % L.CACHELINE) problems.push(`${f} (${off}) does not start a cache line`);
    const first = Math.floor(off / L.CACHELINE);
    const n = Math.ceil(fieldBytes(L, f) / L.CACHELINE);
    for (let line = first; line < first + n; line++) {
      if (lines.has(line)) problems.push(`${f} shares cache line ${line} with ${lines.get(line)}`);
      lines.set(line, f);
    }
    if (off + fieldBytes(L, f) > L.PCPU_FREE) problems.push(`${f} (${off}) runs past PCPU_FREE (${L.PCPU_FREE})`);
  }
  if (L.NR_OP_KINDS > L.OPS_SLOTS) problems.push(`${L.NR_OP_KINDS} op kinds do not fit ${L.OPS_SLOTS} slots`);
  if (L.PCPU_FREE > L.PERCPU_STRIDE) problems.push("PCPU_FREE lies outside the per-CPU area");
  if (L.MB_ERR_TEXT + L.MB_ERR_TEXT_SIZE > L.MAILBOX_STRIDE) problems.push("the mailbox error text runs past the mailbox");
  if (Math.floor(L.MB_REQ_SEQ / L.CACHELINE) === Math.floor(L.MB_ACK_SEQ / L.CACHELINE)) {
    problems.push("the host's and the CPU's mailbox words share a cache line");
  }
  return problems;
}

/** Bytes of a per-CPU field (one line unless it is an array). */
function fieldBytes(L: Layout, f: string): number {
  switch (f) {
    case "PCPU_OPS": return 8 * L.OPS_SLOTS;
    case "PCPU_SRCU": return L.NR_SRCU * L.CACHELINE;
    case "PCPU_TORTURE_PIPE":
    case "PCPU_TORTURE_BATCH": return 8 * (L.RCU_TORTURE_PIPE_LEN + 1);
    case "PCPU_REC_LAB": return L.REC_LAB_SIZE;
    default: return 4;
  }
}

/**
 * After every CPU wrote `pattern(cpu)` into every word of its own per-CPU area, find
 * the words that hold anything else (another CPU's pattern means two CPUs share memory).
 */
export function checkPerCpuOwnership(memory: ArrayBufferLike, L: Layout, cpus: number, pattern: (cpu: number) => number): string[] {
  const u32 = new Uint32Array(memory);
  const problems: string[] = [];
  for (let cpu = 0; cpu < cpus; cpu++) {
    const base = (L.PERCPU_BASE + cpu * L.PERCPU_STRIDE) >> 2;
    let bad = 0, first = -1, seen = 0;
    for (let w = 0; w < L.PERCPU_STRIDE >> 2; w++) {
      if (u32[base + w] !== pattern(cpu) >>> 0) {
        if (bad++ === 0) (first = w * 4), (seen = u32[base + w]);
      }
    }
    if (bad) problems.push(`CPU ${cpu}'s area: ${bad} words not its own (first at offset ${first}: 0x${seen.toString(16)})`);
  }
  for (let w = 0; w < L.NULL_PAGE_SIZE >> 2; w++) {
    if (u32[w] !== 0) {
      problems.push(`the NULL page was written (offset ${w * 4})`);
      break;
    }
  }
  return problems;
}
