// The probe call of a tracepoint: `(*it_func)(__data, args)` in __DO_TRACE (v5.6) and
// __traceiter_X, `static_call(tp_func_X)(__data, args)` in __DO_TRACE_CALL (v5.10+,
// include/linux/tracepoint.h). The kernel makes one call through a function pointer (or,
// through the static call, one direct call), predicted by the CPU.
//
// How the emulator reaches the probe is its own business, as long as the same function
// runs with the same arguments in the probe array's order and the call is counted once.
// WebAssembly's call_indirect pays, in V8, a table bounds check, a signature check and the
// loads of the target and its instance, none of which the kernel's `call *%rax` has
// (docs/performance.md). So for the probes this module knows, it compares the function-table
// index with the indexes the host placed them at (tp_set_probe_functions(), written once
// before any probe is registered) and makes a direct call; any other index, and any index
// before the host has said where the probes are, goes through call_indirect. The compare
// and branch are predicted as the kernel's indirect branch is.
//
// The call stays a call: the build marks probe_empty and probe_count no-inline
// (scripts/no-inline.mjs, Binaryen's no-inline pass before asc optimizes), so the emulated
// probe call executes a real call and return, as the kernel's does. Were they inlined, the
// empty probe would cost nothing and the light strategies would come out cheaper than the
// kernel by skipping its call; test/probe-call.test.ts checks the release build for the call.
import { TPD_FN_COUNT, TPD_FN_EMPTY, TP_PROBE_FNS } from "../layout";
import { OP_CALL, OP_INDIRECT_CALL, count_op } from "../primitives";
import { probe_count, probe_empty } from "./probes";

/**
 * Tell the module where the host placed the probes it calls directly (their function-table
 * indexes). Until then both are 0, which is never a probe, and every call is indirect.
 */
export function tp_set_probe_functions(empty: u32, count: u32): void {
  store<u32>(TP_PROBE_FNS + TPD_FN_EMPTY, empty);
  store<u32>(TP_PROBE_FNS + TPD_FN_COUNT, count);
}

/** Call probe `fn` (a function-table index) with (data, arg): directly when it is a known probe. */
@inline function probe_dispatch(fn: u32, data: u32, arg: u32): void {
  // Plain loads of emulator state (no kernel load): written once before any reader runs.
  if (fn == load<u32>(TP_PROBE_FNS + TPD_FN_EMPTY)) probe_empty(data, arg);
  else if (fn == load<u32>(TP_PROBE_FNS + TPD_FN_COUNT)) probe_count(data, arg);
  else call_indirect<void>(fn, data, arg);
}

/** `(*it_func)(__data, args)`: a probe called through the probe array's function pointer (one indirect call). */
@inline export function probe_call_indirect(fn: u32, data: u32, arg: u32): void {
  count_op(OP_INDIRECT_CALL);
  probe_dispatch(fn, data, arg);
}

/** `static_call(tp_func_X)(__data, args)`: the probe the static call is patched to (one direct call). */
@inline export function probe_call_static(fn: u32, data: u32, arg: u32): void {
  count_op(OP_CALL);
  probe_dispatch(fn, data, arg);
}
