// Reader tasks that migrate inside an SRCU read-side section: the task parks its state in
// a shared slot on the CPU where it took the lock, and another CPU adopts it and finishes
// the section there (the unlock then counts on a different CPU than the lock, as after a
// preemption and migration in the kernel). SRCU's sums over CPUs must cope.
import { MIGRATE_STRIDE, NR_MIGRATE, TORTURE_MIGRATE } from "../layout";
import { READ_ONCE_u32, WRITE_ONCE_u32, atomic_cmpxchg, smp_load_acquire, smp_store_release } from "../primitives";

const SLOT_FREE: u32 = 0;
const SLOT_FILLING: u32 = 1;
const SLOT_PARKED: u32 = 2;
const SLOT_ADOPTED: u32 = 3;

export const MS_STATE: u32 = 0;
export const MS_FLAVOR: u32 = 4;
export const MS_SSP: u32 = 8;
export const MS_HANDLE: u32 = 12; // srcu index or srcu_ctrp
export const MS_ELEM: u32 = 16;
export const MS_STARTED: u32 = 20;

@inline function slot(i: u32): usize {
  return <usize>TORTURE_MIGRATE + <usize>i * MIGRATE_STRIDE;
}

/** Park a reader task. Returns false (the task stays) when every slot is taken. */
export function migrate_park(flavor: u32, ssp: u32, handle: u32, elem: u32, started: u32): bool {
  for (let i: u32 = 0; i < NR_MIGRATE; i++) {
    const s = slot(i);
    if (READ_ONCE_u32(s + MS_STATE) != SLOT_FREE) continue;
    if (atomic_cmpxchg(s + MS_STATE, SLOT_FREE, SLOT_FILLING) != SLOT_FREE) continue;
    WRITE_ONCE_u32(s + MS_FLAVOR, flavor);
    WRITE_ONCE_u32(s + MS_SSP, ssp);
    WRITE_ONCE_u32(s + MS_HANDLE, handle);
    WRITE_ONCE_u32(s + MS_ELEM, elem);
    WRITE_ONCE_u32(s + MS_STARTED, started);
    smp_store_release(s + MS_STATE, SLOT_PARKED);
    return true;
  }
  return false;
}

/** Adopt a parked task: returns its slot address (state ADOPTED), or 0 when none is parked. */
export function migrate_adopt(): usize {
  for (let i: u32 = 0; i < NR_MIGRATE; i++) {
    const s = slot(i);
    if (smp_load_acquire(s + MS_STATE) != SLOT_PARKED) continue;
    if (atomic_cmpxchg(s + MS_STATE, SLOT_PARKED, SLOT_ADOPTED) == SLOT_PARKED) return s;
  }
  return 0;
}

/** Give an adopted slot back. */
export function migrate_release(s: usize): void {
  smp_store_release(s + MS_STATE, SLOT_FREE);
}

/** Number of parked tasks. */
export function migrate_parked(): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < NR_MIGRATE; i++) if (READ_ONCE_u32(slot(i) + MS_STATE) == SLOT_PARKED) n++;
  return n;
}
