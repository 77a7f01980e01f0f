// Tracepoints, update side (kernel/tracepoint.c, v5.6): tracepoint_probe_register_prio()
// and tracepoint_probe_unregister() with func_add() / func_remove(), the static key, and
// release_probes() of the old array. Runs in one context at a time (the host's), as the
// kernel's tracepoints_mutex guarantees.
import {
  NR_TRACEPOINTS, PA_ENTRIES, TP_BASE, TP_FUNCS, TP_KEY, TP_MAX_PROBES, TP_RELEASE, TP_RELEASE_SSP, TP_STATIC_CALL, TP_STRIDE, TP_WARNS,
} from "../layout";
import { READ_ONCE_u32, WRITE_ONCE_u32, rcu_assign_pointer, rcu_dereference_raw } from "../primitives";
import { allocate_probes, release_probes, tp_func } from "./probes_arena";

export const EEXIST: i32 = 17;
export const ENOENT: i32 = 2;
export const ENOMEM: i32 = 12;
export const EINVAL: i32 = 22;
/** More probes than this arena's arrays hold (an emulation limit, not the kernel's). */
export const ENOSPC: i32 = 28;
/** TRACEPOINT_DEFAULT_PRIO (include/linux/tracepoint.h). */
export const TRACEPOINT_DEFAULT_PRIO: i32 = 10;

/** struct tracepoint number `id`. */
@inline export function tracepoint(id: u32): usize {
  return <usize>TP_BASE + <usize>id * TP_STRIDE;
}

@inline function f_func(e: usize): u32 {
  return READ_ONCE_u32(e);
}
@inline function f_data(e: usize): u32 {
  return READ_ONCE_u32(e + 4);
}
@inline function f_prio(e: usize): i32 {
  return <i32>READ_ONCE_u32(e + 8);
}
@inline function copy_func(dst: usize, src: usize): void {
  WRITE_ONCE_u32(dst, f_func(src));
  WRITE_ONCE_u32(dst + 4, f_data(src));
  WRITE_ONCE_u32(dst + 8, <u32>f_prio(src));
}

/**
 * tp->funcs points at the first struct tracepoint_func; the array's header (the kernel's
 * struct tp_probes with its rcu_head) precedes it: container_of().
 */
@inline function tp_probes_of(funcs: u32): usize {
  return funcs == 0 ? 0 : <usize>funcs - PA_ENTRIES;
}

@inline function funcs_of(pa: usize): u32 {
  return pa == 0 ? 0 : <u32>(pa + PA_ENTRIES);
}

/** Set how tracepoint `id` releases old probe arrays (the kernel version's chain). */
export function tracepoint_set_release(id: u32, chain: u32, ssp: u32): void {
  WRITE_ONCE_u32(tracepoint(id) + TP_RELEASE, chain);
  WRITE_ONCE_u32(tracepoint(id) + TP_RELEASE_SSP, ssp);
}

/** WARN_ON_ONCE() in tracepoint_add_func()/tracepoint_remove_func(): counted per tracepoint. */
@inline function tp_warn(tp: usize): void {
  WRITE_ONCE_u32(tp + TP_WARNS, READ_ONCE_u32(tp + TP_WARNS) + 1);
}

/** release_probes() with the tracepoint's chain; a full callback ring (the array leaks) is a WARN. */
@inline function release(tp: usize, old: usize): void {
  if (release_probes(old, READ_ONCE_u32(tp + TP_RELEASE), READ_ONCE_u32(tp + TP_RELEASE_SSP)) != 0) tp_warn(tp);
}

/**
 * tracepoint_update_call(tp, tp_funcs) (kernel/tracepoint.c, v5.10+, CONFIG_HAVE_STATIC_CALL):
 * point static_call(tp_func_X) at the one probe, or at __traceiter_X (0 here) for none or
 * several. The v5.6 rows never read it; the v6.13 and 2025 rows call through it. Called
 * before publishing a new array that has several probes (the iterator copes with any
 * array) and after publishing one with a single probe, as v5.15's tracepoint_add_func()
 * and tracepoint_remove_func() order them (their tp_rcu_cond_sync() wait for a stale
 * __data on N->2->1 is not emulated).
 */
@inline function tracepoint_update_call(tp: usize, nw: usize): void {
  const one = nw != 0 && f_func(tp_func(nw, 0)) != 0 && f_func(tp_func(nw, 1)) == 0;
  WRITE_ONCE_u32(tp + TP_STATIC_CALL, one ? f_func(tp_func(nw, 0)) : 0);
}

/** Publish `nw` as tp->funcs with the static call updated around it (see tracepoint_update_call). */
@inline function publish(tp: usize, nw: usize): void {
  const one = nw != 0 && f_func(tp_func(nw, 0)) != 0 && f_func(tp_func(nw, 1)) == 0;
  if (!one) tracepoint_update_call(tp, nw);
  rcu_assign_pointer(tp + TP_FUNCS, funcs_of(nw));
  if (one) tracepoint_update_call(tp, nw);
}

/**
 * tracepoint_probe_register_prio(tp, probe, data, prio) (v5.6): func_add() places the
 * new probe before the first probe of lower priority (higher runs first; equal goes after
 * the existing ones), refuses a duplicate (probe, data) with -EEXIST, and publishes a new
 * array with rcu_assign_pointer(); the static key is enabled; the old array is released.
 * A NULL probe (func 0) is refused by func_add()'s WARN_ON(!tp_func->func) with -EINVAL,
 * and tracepoint_add_func() then fires its WARN_ON_ONCE() too: two warnings counted.
 * Returns 0 or a negative errno.
 */
export function tracepoint_probe_register(id: u32, func: u32, data: u32, prio: i32): i32 {
  if (id >= NR_TRACEPOINTS) return -EINVAL;
  const tp = tracepoint(id);
  if (func == 0) {
    tp_warn(tp); // WARN_ON(!tp_func->func) in func_add()
    tp_warn(tp); // WARN_ON_ONCE() of tracepoint_add_func() on the error
    return -EINVAL;
  }
  const old = tp_probes_of(rcu_dereference_raw(tp + TP_FUNCS));
  let nr_probes: u32 = 0;
  let pos: i32 = -1;
  if (old != 0) {
    for (; f_func(tp_func(old, nr_probes)) != 0; nr_probes++) {
      const e = tp_func(old, nr_probes);
      if (f_func(e) == func && f_data(e) == data) {
        tp_warn(tp); // WARN_ON_ONCE(PTR_ERR(old) != -ENOMEM) for -EEXIST
        return -EEXIST;
      }
      if (pos < 0 && f_prio(e) < prio) pos = <i32>nr_probes;
    }
  }
  if (nr_probes >= TP_MAX_PROBES) return -ENOSPC; // this arena's arrays hold TP_MAX_PROBES
  const nw = allocate_probes(nr_probes + 2);
  if (nw == 0) return -ENOMEM;
  if (pos < 0) pos = <i32>nr_probes;
  for (let i: u32 = 0; i < <u32>pos; i++) copy_func(tp_func(nw, i), tp_func(old, i));
  WRITE_ONCE_u32(tp_func(nw, pos), func);
  WRITE_ONCE_u32(tp_func(nw, pos) + 4, data);
  WRITE_ONCE_u32(tp_func(nw, pos) + 8, <u32>prio);
  for (let i: u32 = <u32>pos; i < nr_probes; i++) copy_func(tp_func(nw, i + 1), tp_func(old, i));
  WRITE_ONCE_u32(tp_func(nw, nr_probes + 1), 0); // NULL terminator
  publish(tp, nw);
  if (READ_ONCE_u32(tp + TP_KEY) == 0) WRITE_ONCE_u32(tp + TP_KEY, 1); // static_key_slow_inc()
  release(tp, old);
  return 0;
}

/**
 * tracepoint_probe_unregister(tp, probe, data) (v5.6): -ENOENT only when the tracepoint
 * has no probes at all. Otherwise func_remove() copies every entry that does not match,
 * so an unmatched (probe, data) still publishes an identical copy and releases the old
 * array, and returns 0. Removing the last probe publishes NULL and disables the key. A
 * NULL probe (func 0) matches nothing and counts nothing, so nr_probes - nr_del == 0: it
 * removes every probe ("If probe is NULL, then nr_probes = nr_del = 0, and then the entire
 * entry will be removed").
 */
export function tracepoint_probe_unregister(id: u32, func: u32, data: u32): i32 {
  if (id >= NR_TRACEPOINTS) return -EINVAL;
  const tp = tracepoint(id);
  const old = tp_probes_of(rcu_dereference_raw(tp + TP_FUNCS));
  if (old == 0) {
    tp_warn(tp); // WARN_ON_ONCE(PTR_ERR(old) != -ENOMEM) for -ENOENT
    return -ENOENT;
  }
  let nr_probes: u32 = 0, nr_del: u32 = 0;
  if (func != 0) {
    for (; f_func(tp_func(old, nr_probes)) != 0; nr_probes++) {
      const e = tp_func(old, nr_probes);
      if (f_func(e) == func && f_data(e) == data) nr_del++;
    }
  }
  let nw: usize = 0;
  if (nr_probes - nr_del != 0) {
    nw = allocate_probes(nr_probes - nr_del + 1);
    if (nw == 0) return -ENOMEM;
    let j: u32 = 0;
    for (let i: u32 = 0; i < nr_probes; i++) {
      const e = tp_func(old, i);
      if (f_func(e) != func || f_data(e) != data) copy_func(tp_func(nw, j++), e);
    }
    WRITE_ONCE_u32(tp_func(nw, nr_probes - nr_del), 0);
  } else if (READ_ONCE_u32(tp + TP_KEY) != 0) {
    WRITE_ONCE_u32(tp + TP_KEY, 0); // removed the last probe: static_key_slow_dec()
  }
  publish(tp, nw);
  release(tp, old);
  return 0;
}

/** Probes of tracepoint `id` now (for the host's checks): count, or -1 if none published. */
export function tracepoint_nr_probes(id: u32): i32 {
  const pa = tp_probes_of(rcu_dereference_raw(tracepoint(id) + TP_FUNCS));
  if (pa == 0) return -1;
  let n: u32 = 0;
  while (f_func(tp_func(pa, n)) != 0) n++;
  return <i32>n;
}

/** Function-table index of probe `i` of tracepoint `id` (for the host's checks). */
export function tracepoint_probe_func(id: u32, i: u32): u32 {
  return f_func(tp_func(tp_probes_of(rcu_dereference_raw(tracepoint(id) + TP_FUNCS)), i));
}

/** Data of probe `i` of tracepoint `id`. */
export function tracepoint_probe_data(id: u32, i: u32): u32 {
  return f_data(tp_func(tp_probes_of(rcu_dereference_raw(tracepoint(id) + TP_FUNCS)), i));
}

/** Priority of probe `i` of tracepoint `id`. */
export function tracepoint_probe_prio(id: u32, i: u32): i32 {
  return f_prio(tp_func(tp_probes_of(rcu_dereference_raw(tracepoint(id) + TP_FUNCS)), i));
}

/** WARN_ON_ONCE()s counted on tracepoint `id`. */
export function tracepoint_warns(id: u32): u32 {
  return READ_ONCE_u32(tracepoint(id) + TP_WARNS);
}

/** The static key of tracepoint `id`: 1 enabled, 0 disabled. */
export function tracepoint_key(id: u32): u32 {
  return READ_ONCE_u32(tracepoint(id) + TP_KEY);
}

