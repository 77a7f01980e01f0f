// The explorer's own memory (not kernel state): a region after the machine's layout whose
// base the host passes to explore_init(). It holds the test's RCU-protected elements and
// each CPU's reader record, which the host's property checks read at every step.
// Element words are accessed through the primitives (they are what readers and updaters
// race on); the reader records are the oracle's bookkeeping, written without a
// scheduling point.

/** Bytes of the explorer region (the host reserves it). */
export const EX_REGION_BYTES: u32 = 4096;
/** f64: the virtual clock (us) that the kthread program advances; emulator bookkeeping. */
export const EX_CLOCK: u32 = 0;
/** u32: the RCU-protected pointer (the test's rcu_torture_current). */
export const EX_CURRENT: u32 = 64;
/** Elements: EX_NR_ELEMS, EX_ELEM_STRIDE bytes each; word 0 is rtort_mbtest (1 live, 0 freed). */
export const EX_ELEMS: u32 = 128;
export const EX_NR_ELEMS: u32 = 4;
export const EX_ELEM_STRIDE: u32 = 64;
export const EX_ELEM_MBTEST: u32 = 0;
/** u32 per fault bit (FAULT_* of rcu/faults.ts, by bit position): evaluations of its faulted branch in this run. */
export const EX_FAULT_EVALS: u32 = 384;
export const EX_FAULT_EVALS_SLOTS: u32 = 32;
/** Reader records, one per context, EX_READER_STRIDE bytes each. */
export const EX_READERS: u32 = 512;
export const EX_READER_STRIDE: u32 = 64;
/** u32: 1 while the reader is inside its section (set after its gp_seq snapshot, cleared before unlock). */
export const EX_R_ACTIVE: u32 = 0;
/** u32: the grace-period sequence the reader saw after its lock. */
export const EX_R_START: u32 = 4;
/** u32: the word address of that sequence (rcu_state.gp_seq or the srcu_struct's srcu_gp_seq). */
export const EX_R_SEQ_ADDR: u32 = 8;
/** u32: freed elements this reader used (rtort_mbtest == 0 inside the section). */
export const EX_R_UAF: u32 = 12;
/** u32: sections completed. */
export const EX_R_SECTIONS: u32 = 16;
/** u32: grace periods the updater waited for. */
export const EX_R_GPS: u32 = 20;

let ex_base: usize = 0;

/** Per instance: where the explorer region is (every context's instance is told). */
export function ex_set_base(base: usize): void {
  ex_base = base;
}

@inline export function ex(off: u32): usize {
  return ex_base + <usize>off;
}

@inline export function ex_reader(cpu: u32, off: u32): usize {
  return ex_base + <usize>EX_READERS + <usize>cpu * EX_READER_STRIDE + <usize>off;
}

@inline export function ex_elem(i: u32): usize {
  return ex_base + <usize>EX_ELEMS + <usize>i * EX_ELEM_STRIDE;
}

/** Bookkeeping store: no scheduling point, not a kernel op. */
@inline export function ex_write_u32(p: usize, v: u32): void {
  store<u32>(p, v);
}

@inline export function ex_read_u32(p: usize): u32 {
  return load<u32>(p);
}
