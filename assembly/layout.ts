// The fixed layout of the one shared memory. Every instance of the module, one per
// emulated CPU, sees the same bytes at the same offsets; nothing here is allocated.
// The exported constants become immutable WebAssembly globals: the TypeScript side
// reads them (bindings/layout.ts) and hard-codes no offset.
//
//   0                 NULL page: never written (catches a NULL pointer that is used)
//   HDR_BASE          machine header (magic, layout version, nr_cpus), start barrier
//   SHARED_BASE       SHARED_WORDS words, each on its own line (tests and benchmarks)
//   RCU_STATE_BASE    rcu_state: gp_seq, requests, the grace-period engine's state, faults
//   SRCU_BASE         NR_SRCU srcu_structs
//   CB_BASE           callback rings of call_rcu / call_srcu
//   TORTURE_BASE      rcutorture: current element, writer state, parked tasks, elements
//   TP_BASE           tracepoints, the probe-array arena, per-context event rings, the rcu probe
//   SCN_BASE          scenario configuration: the rcuidle tracepoint body, the path mix
//   MAILBOX_BASE      one mailbox per context (CPUs, the GP kthread, the host), MAILBOX_STRIDE bytes
//   PERCPU_BASE       one per-CPU area per context, PERCPU_STRIDE bytes (the kernel's per-CPU data)
//   layout_end(cpus)  = PERCPU_BASE + (cpus + NR_EXTRA_CONTEXTS) * PERCPU_STRIDE

export const LAYOUT_VERSION: u32 = 12;
export const LAYOUT_MAGIC: u32 = 0x4c554352; // "RCUL"

/** Maximum pages of the shared memory: the build passes --maximumMemory and the same
 *  number as `--use RCU_LAB_MAX_PAGES=N`, so the module states its own limit. */
// @ts-ignore: defined on the asc command line
export const MAXIMUM_MEMORY_PAGES: u32 = RCU_LAB_MAX_PAGES;
export const WASM_PAGE_SIZE: u32 = 65536;

/** One cache line. Hot per-CPU fields each get one so CPUs never false-share. */
export const CACHELINE: u32 = 64;

/** CONFIG_NR_CPUS of this build: the most CPUs a machine may have. */
export const NR_CPUS: u32 = 64;

/**
 * Contexts that are not emulated CPUs but run the module too, each with a mailbox and a
 * per-CPU area after the CPUs' own: the grace-period kthread (context `cpus`) and the
 * host, the main thread that drives the machine (context `cpus + 1`).
 */
export const NR_EXTRA_CONTEXTS: u32 = 2;

/** Bytes at address 0 that are never part of any structure. */
export const NULL_PAGE_SIZE: u32 = 4096;

// ---- machine header --------------------------------------------------------------
export const HDR_BASE: u32 = NULL_PAGE_SIZE;
export const HDR_MAGIC: u32 = HDR_BASE + 0;
export const HDR_LAYOUT_VERSION: u32 = HDR_BASE + 4;
export const HDR_NR_CPUS: u32 = HDR_BASE + 8;
/**
 * u32 x NR_ONLINE_WORDS: cpu_online_mask (include/linux/cpumask.h), one bit per context id;
 * a context sets its bit in cpu_init (set_cpu_online), the host may clear it (hotplug tests).
 */
export const HDR_CPU_ONLINE_MASK: u32 = HDR_BASE + 16;
export const NR_ONLINE_WORDS: u32 = (NR_CPUS + NR_EXTRA_CONTEXTS + 31) / 32;
/** Start barrier: CPUs that have arrived (i32), on its own line. */
export const HDR_BARRIER_ARRIVED: u32 = HDR_BASE + CACHELINE;
export const HDR_SIZE: u32 = 2 * CACHELINE;

// ---- shared words (one per line) -------------------------------------------------
export const SHARED_BASE: u32 = HDR_BASE + HDR_SIZE;
export const SHARED_WORDS: u32 = 16;
export const SHARED_STRIDE: u32 = CACHELINE;

// ---- RCU: rcu_state (kernel/rcu/tree.h struct rcu_state), one field per line ----------
export const RCU_STATE_BASE: u32 = SHARED_BASE + SHARED_WORDS * SHARED_STRIDE;
/** u32 rcu_state.gp_seq (also the futex word that grace-period waiters sleep on). */
export const RCU_GP_SEQ: u32 = RCU_STATE_BASE + 0 * CACHELINE;
/** u32 rcu_state.gp_seq_needed: the furthest gp_seq anyone asked for. */
export const RCU_GP_SEQ_NEEDED: u32 = RCU_STATE_BASE + 1 * CACHELINE;
/** u32 futex word of the grace-period kthread: bumped to wake it (requests, reports). */
export const RCU_GP_WAKE: u32 = RCU_STATE_BASE + 2 * CACHELINE;
/** u32 the root's exp_seq_rq: the expedited_sequence value an expedited waiter needs (rcu/tree_exp.ts). */
export const RCU_EXP_SEQ_NEEDED: u32 = RCU_STATE_BASE + 3 * CACHELINE;
/** Engine-private state (only the kthread instance writes it): see tree_gp.ts. */
export const RCU_GP_PRIV: u32 = RCU_STATE_BASE + 4 * CACHELINE;
export const GP_PRIV_STATE: u32 = 0; //       u32 engine state
export const GP_PRIV_QSMASK: u32 = 8; //      u64 CPUs that still owe a quiescent state (rnp->qsmask)
export const GP_PRIV_EXP: u32 = 16; //        u32 unused since expedited grace periods run on IPIs (rcu/tree_exp.ts); kept 0
export const GP_PRIV_FQS: u32 = 20; //        u32 force-quiescent-state passes in this grace period
export const GP_PRIV_COMPLETED: u32 = 24; //  u64 grace periods completed
export const GP_PRIV_FQS_TOTAL: u32 = 32; //  u64 FQS passes in all
export const GP_PRIV_NEXT_FQS: u32 = 40; //   f64 time of the next FQS pass (us)
export const GP_PRIV_START_US: u32 = 48; //   f64 time the grace period in progress (or the last) started (us)
export const GP_PRIV_LAST_FQS_US: u32 = 56; // f64 time of the last FQS pass (us)
/** u32 fault-injection bits (FAULT_* in faults.ts) and u32 argument, set by the host. */
export const RCU_FAULTS: u32 = RCU_STATE_BASE + 5 * CACHELINE;
export const RCU_FAULT_ARG: u32 = RCU_FAULTS + 4;
/**
 * Expedited grace periods (kernel/rcu/tree_exp.h, rcu/tree_exp.ts): u32
 * rcu_state.expedited_sequence, the futex word expedited waiters sleep on. The gp_seq an
 * expedited waiter needs (the root's exp_seq_rq) is RCU_EXP_SEQ_NEEDED above.
 */
export const RCU_EXP_SEQ: u32 = RCU_STATE_BASE + 6 * CACHELINE;
/** u64 the root rcu_node's ->expmask: CPUs the expedited grace period still waits for (CPUs clear their bit). */
export const RCU_EXP_MASK: u32 = RCU_STATE_BASE + 7 * CACHELINE;
/** Expedited engine-private words (only the kthread instance writes them). */
export const RCU_EXP_PRIV: u32 = RCU_STATE_BASE + 8 * CACHELINE;
export const EXP_PRIV_STATE: u32 = 0; //      u32 EXP_IDLE / EXP_WAIT
export const EXP_PRIV_COMPLETED: u32 = 8; //  u64 expedited grace periods completed
export const EXP_PRIV_IPIS: u32 = 16; //      u64 IPIs sent (smp_call_function_single(rcu_exp_handler))
export const EXP_PRIV_SKIPPED: u32 = 24; //   u64 CPUs not IPI'd: seen in an EQS (or offline) by sync_rcu_exp_select_cpus
export const RCU_STATE_SIZE: u32 = 9 * CACHELINE;

// ---- SRCU: srcu_struct (include/linux/srcutree.h), NR_SRCU of them -----------------------
export const SRCU_BASE: u32 = RCU_STATE_BASE + RCU_STATE_SIZE;
export const NR_SRCU: u32 = 4;
export const SRCU_STRIDE: u32 = 5 * CACHELINE;
/** u32 ssp->srcu_idx (v5.6) */
export const SRCU_IDX: u32 = 0;
/** u32 ssp->srcu_ctrp (v6.15): offset of the per-CPU srcu_ctrs[idx] in the CPU's SRCU line. */
export const SRCU_CTRP: u32 = 4;
/** u32 ssp->sda: where this srcu_struct's per-CPU counters sit, as an offset from PCPU_SRCU. */
export const SRCU_SDA: u32 = 8;
/** u32 ssp->srcu_gp_seq (futex word of synchronize_srcu waiters). */
export const SRCU_GP_SEQ: u32 = 1 * CACHELINE;
/** u32 ssp->srcu_gp_seq_needed; u32 srcu_gp_seq_needed_exp at +4. */
export const SRCU_GP_SEQ_NEEDED: u32 = 2 * CACHELINE;
export const SRCU_GP_SEQ_NEEDED_EXP: u32 = 2 * CACHELINE + 4;
/** Update-side private words (only the kthread instance writes them). */
export const SRCU_PRIV: u32 = 3 * CACHELINE;
export const SRCU_PRIV_FLAVOR: u32 = SRCU_PRIV + 0; //    u32 0 unused, 1 SRCU, 2 SRCU-fast
export const SRCU_PRIV_SUBSTATE: u32 = SRCU_PRIV + 4; //  u32 step within a scan (SRCU-fast's RCU wait)
export const SRCU_PRIV_RCU_SEQ: u32 = SRCU_PRIV + 8; //   u32 RCU gp_seq an SRCU-fast scan waits for
export const SRCU_PRIV_LAST_GP_END: u32 = SRCU_PRIV + 16; // f64 time of the last grace-period end (us)
export const SRCU_PRIV_UNLOCKS: u32 = SRCU_PRIV + 24; //  u64 the unlock sum of a split SRCU-fast check
export const SRCU_PRIV_COMPLETED: u32 = SRCU_PRIV + 32; // u64 grace periods completed
export const SRCU_PRIV_SCANS: u32 = SRCU_PRIV + 40; //    u64 srcu_readers_active_idx_check calls
export const SRCU_PRIV_NEXT_US: u32 = SRCU_PRIV + 48; //  f64 time the queued work (process_srcu) or a udelay() retry runs (us)
/** More update-side private words: the try_check_zero() in progress and timing bookkeeping. */
export const SRCU_PRIV2: u32 = 4 * CACHELINE;
export const SRCU_PRIV_TRYCOUNT: u32 = SRCU_PRIV2 + 0; //        u32 1 + try_check_zero()'s trycount while a call is in progress, else 0
export const SRCU_PRIV_LAST_TRY_CHECKS: u32 = SRCU_PRIV2 + 4; // u32 checks made by the last finished try_check_zero() call
export const SRCU_PRIV_GP_START_US: u32 = SRCU_PRIV2 + 8; //     f64 time srcu_gp_start() ran for the current (or last) grace period
export const SRCU_PRIV_LAST_TRY_US: u32 = SRCU_PRIV2 + 16; //    f64 time the last try_check_zero() call returned
export const SRCU_PRIV_TRY_CHECKS: u32 = SRCU_PRIV2 + 24; //     u32 checks made so far by the call in progress
export const SRCU_PRIV_FIRST_SCAN_US: u32 = SRCU_PRIV2 + 32; //  f64 time of the grace period's first check (0 = none yet)

// ---- callback lists (call_rcu, call_srcu): one ring per flavor ----------------------------
// Flavor 0 is RCU, flavor 1 + i is srcu_struct i. Entries: u32 gp_seq needed, u32 function
// table index, u32 argument, u32 ready flag (written last).
export const CB_BASE: u32 = SRCU_BASE + NR_SRCU * SRCU_STRIDE;
export const NR_CB_FLAVORS: u32 = 1 + NR_SRCU;
export const CB_HEAD: u32 = 0; //           u32, consumer (kthread) index, own line
export const CB_TAIL: u32 = CACHELINE; //   u32, producers reserve with atomic_add_return
export const CB_ENTRIES: u32 = 2 * CACHELINE;
export const CB_ENTRY_SIZE: u32 = 16;
export const NR_CB: u32 = 1024;
export const CB_STRIDE: u32 = CB_ENTRIES + NR_CB * CB_ENTRY_SIZE;

// ---- rcutorture state (kernel/rcu/rcutorture.c) ---------------------------------------
export const TORTURE_BASE: u32 = CB_BASE + NR_CB_FLAVORS * CB_STRIDE;
/** u32 rcu_torture_current: address of the current element (0 = none). */
export const TORTURE_CURRENT: u32 = TORTURE_BASE;
/** Writer-private words: u32 next element to allocate, u32 retired count, then the retired list. */
export const TORTURE_WRITER: u32 = TORTURE_BASE + CACHELINE;
export const TW_NEXT: u32 = 0;
export const TW_NR_RETIRED: u32 = 4;
export const TW_RETIRED: u32 = 8; // u32 x TORTURE_MAX_RETIRED
export const TORTURE_MAX_RETIRED: u32 = 14;
/** u64 x PIPE_LEN+1: rcu_torture_wcount[] ("Free-Block Circulation"). */
export const TORTURE_WCOUNT: u32 = TORTURE_BASE + 2 * CACHELINE;
export const RCU_TORTURE_PIPE_LEN: u32 = 10;
/** Writer statistics after the wcount array: u64 allocations, frees, grace periods. */
export const TORTURE_N_ALLOC: u32 = TORTURE_WCOUNT + 88;
export const TORTURE_N_FREE: u32 = TORTURE_WCOUNT + 96;
export const TORTURE_N_GPS: u32 = TORTURE_WCOUNT + 104;
/** Parked reader tasks (a task that migrates inside its SRCU section waits here). */
export const TORTURE_MIGRATE: u32 = TORTURE_BASE + 4 * CACHELINE;
export const NR_MIGRATE: u32 = 16;
export const MIGRATE_STRIDE: u32 = CACHELINE;
/** The elements (struct rcu_torture): u32 pipe count, u32 mbtest, u32 index, poison payload. */
export const TORTURE_ELEMS: u32 = TORTURE_MIGRATE + NR_MIGRATE * MIGRATE_STRIDE;
export const NR_TORTURE_ELEMS: u32 = 256;
export const ELEM_STRIDE: u32 = CACHELINE;
export const ELEM_PIPE_COUNT: u32 = 0;
export const ELEM_MBTEST: u32 = 4;
export const TORTURE_END: u32 = TORTURE_ELEMS + NR_TORTURE_ELEMS * ELEM_STRIDE;

// ---- tracepoints (include/linux/tracepoint.h, kernel/tracepoint.c) ----------------------
export const TP_BASE: u32 = TORTURE_END;
export const NR_TRACEPOINTS: u32 = 16;
export const TP_STRIDE: u32 = CACHELINE;
/** u32 the static key's enable count (struct static_key). */
export const TP_KEY: u32 = 0;
/** u32 tp->funcs: address of the RCU-protected, NULL-terminated probe array (0 = none). */
export const TP_FUNCS: u32 = 4;
/** u32 how an old probe array is released (TP_RELEASE_* in tracepoint/probes_arena.ts). */
export const TP_RELEASE: u32 = 8;
/** u32 srcu_struct index that the release chain's call_srcu() uses. */
export const TP_RELEASE_SSP: u32 = 12;
/** u32 WARN_ON_ONCE()s fired by register/unregister on this tracepoint. */
export const TP_WARNS: u32 = 16;
/**
 * u32 the target of static_call(tp_func_X) (v5.10+): the function-table index of the one
 * probe, or 0 for __traceiter_X (none, or more than one probe). Set by the update side.
 */
export const TP_STATIC_CALL: u32 = 20;
/** Arena of probe arrays (allocate_probes / kfree): fixed slots, round-robin allocation. */
export const TP_ARENA_PRIV: u32 = TP_BASE + NR_TRACEPOINTS * TP_STRIDE;
export const TPA_NEXT: u32 = 0; //      u32 next slot to try
export const TPA_IN_USE: u32 = 4; //    u32 slots allocated (published or awaiting release)
export const TPA_ALLOCS: u32 = 8; //    u64
export const TPA_FREES: u32 = 16; //    u64
// Function-table indexes, set by the host (tp_set_functions): the poison and the callbacks.
export const TPA_FN_UAF: u32 = 24;
export const TPA_FN_SRCU_FREE: u32 = 28;
export const TPA_FN_RCU_FREE: u32 = 32;
export const TPA_FN_RCU_SRCU: u32 = 36;
/**
 * Function-table indexes of the probes that readers call directly (tp_set_probe_functions,
 * tracepoint/probe_call.ts): read on every probe call, written once by the host before any
 * probe is registered, so on a line of their own that nothing writes while readers run.
 */
export const TP_PROBE_FNS: u32 = TP_ARENA_PRIV + CACHELINE;
export const TPD_FN_EMPTY: u32 = 0; //  u32 probe_empty's index (0: none known, call_indirect)
export const TPD_FN_COUNT: u32 = 4; //  u32 probe_count's index
export const TP_ARENA: u32 = TP_PROBE_FNS + CACHELINE;
export const NR_PROBE_ARRAYS: u32 = 512;
export const PA_STRIDE: u32 = 128;
export const PA_STATE: u32 = 0; //      u32 0 free (poisoned), 1 in use
export const PA_ENTRIES: u32 = 16; //   struct tracepoint_func[]: u32 func, u32 data, i32 prio
export const TPF_SIZE: u32 = 12;
export const TP_MAX_PROBES: u32 = 8; // + the NULL terminator: 9 x 12 bytes fit in 112
/** Per-context event rings of the `record` probe. */
export const RING_BASE: u32 = TP_ARENA + NR_PROBE_ARRAYS * PA_STRIDE;
export const RING_STRIDE: u32 = 4096;
export const RING_HEAD: u32 = 0; //     u32 events written (the next slot is head % RING_SIZE)
export const RING_TAIL: u32 = 4; //     u32 events consumed by the host
export const RING_DROPS: u32 = 8; //    u32 events dropped (drop mode, ring full)
export const RING_OVERWRITES: u32 = 12; // u32 events overwritten (overwrite mode)
export const RING_CLOCK: u32 = 16; //   u64 the context's local event clock
export const RING_ENTRIES: u32 = CACHELINE;
export const RING_ENTRY_SIZE: u32 = 16; // u32 timestamp(low), u32 cpu, u32 tracepoint id, u32 arg
export const RING_SIZE: u32 = (RING_STRIDE - CACHELINE) / RING_ENTRY_SIZE;

/**
 * The object the `rcu` probe dereferences (as perf's tracepoint callbacks dereference the
 * task's perf context under rcu_read_lock()): a published pointer and a pool of objects
 * that the host replaces and frees with call_rcu(); a freed object is poisoned.
 */
export const PROBE_RCU_BASE: u32 = RING_BASE + (NR_CPUS + NR_EXTRA_CONTEXTS) * RING_STRIDE;
export const PRC_PTR: u32 = 0; //       u32 the published object (rcu_assign_pointer), 0: none
export const PRC_NEXT: u32 = 4; //      u32 next pool slot to try
export const PRC_REPLACED: u32 = 8; //  u32 objects published
export const PRC_FREED: u32 = 12; //    u32 objects freed (poisoned) by their call_rcu callback
export const PRC_OBJS: u32 = CACHELINE;
export const NR_PRC_OBJS: u32 = 64;
export const PRC_OBJ_SIZE: u32 = 16; // u32 state: PRC_LIVE, PRC_PENDING (retired, awaiting its grace period) or 0 (freed, the poison)
export const PROBE_RCU_SIZE: u32 = CACHELINE + NR_PRC_OBJS * PRC_OBJ_SIZE;

// ---- mailboxes ---------------------------------------------------------------------
// Line 0 is written by the host, line 1 by the CPU, then an error-text area.
// ---- scenario configuration (kernel/path_mix.ts), written by the host between runs --------
// Emulator bookkeeping, read with emulator_read_u32 (never counted as kernel ops).
export const SCN_BASE: u32 = PROBE_RCU_BASE + PROBE_RCU_SIZE;
/** u32 which body the rcuidle irq_disable/irq_enable tracepoint runs (RCUIDLE_BODY_* in kernel/trace_preemptirq.ts); 0 = v5.6's. */
export const SCN_RCUIDLE_BODY: u32 = SCN_BASE + 0;
/** u32 number of paths in the mix; u32 the tracepoint id its paths call; u32 1 = nohz_full. */
export const SCN_MIX_NR: u32 = SCN_BASE + 4;
export const SCN_MIX_TP: u32 = SCN_BASE + 8;
export const SCN_MIX_NOHZ_FULL: u32 = SCN_BASE + 12;
/** u32 1: the tracing build's timeline events drop when a ring is full; 0: they overwrite the oldest. */
export const SCN_TRACE_DROP: u32 = SCN_BASE + 16;
/** The most entries of a mix (and path ids: PCPU_PATH_COUNTS has one slot per id). */
export const NR_MIX_PATHS: u32 = 16;
/** u32 x NR_MIX_PATHS: the path id of each mix entry. */
export const SCN_MIX_PATH: u32 = SCN_BASE + CACHELINE;
/** u32 x NR_MIX_PATHS: cumulative weights of the entries out of 2^32 - 1 (a draw r < cum[i] picks entry i). */
export const SCN_MIX_CUM: u32 = SCN_BASE + 2 * CACHELINE;
export const SCN_SIZE: u32 = 3 * CACHELINE;

export const MAILBOX_BASE: u32 = SCN_BASE + SCN_SIZE;
export const MAILBOX_STRIDE: u32 = 1024;
export const MB_REQ_SEQ: u32 = 0; //      i32: bumped by the host to post a command
export const MB_CMD: u32 = 4; //          i32: command number
export const MB_BARRIER_N: u32 = 8; //    i32: CPUs to wait for at the start barrier (0 = none)
export const MB_ARGS: u32 = 16; //        f64 x MB_NR_ARGS
export const MB_NR_ARGS: u32 = 4;
export const MB_ACK_SEQ: u32 = CACHELINE; // i32: set to REQ_SEQ by the CPU when done
export const MB_STATUS: u32 = CACHELINE + 4; // i32: 0 ok, 1 error
export const MB_ERR_LEN: u32 = CACHELINE + 8; // i32: bytes of UTF-8 in MB_ERR_TEXT
export const MB_RESULT: u32 = CACHELINE + 16; // f64: what the command returned
export const MB_ELAPSED_NS: u32 = CACHELINE + 24; // f64: time spent in the command
export const MB_ERR_TEXT: u32 = 2 * CACHELINE;
export const MB_ERR_TEXT_SIZE: u32 = MAILBOX_STRIDE - 2 * CACHELINE;

// ---- per-CPU areas ---------------------------------------------------------------
// Each field below starts its own cache line of the CPU's area.
export const PERCPU_BASE: u32 = MAILBOX_BASE + (NR_CPUS + NR_EXTRA_CONTEXTS) * MAILBOX_STRIDE;
export const PERCPU_STRIDE: u32 = 4096;
/** u32: the CPU id, written by the CPU itself at cpu_init (ownership check). */
export const PCPU_CPU_ID: u32 = 0 * CACHELINE;
/** u32: __preempt_count (arch/x86/include/asm/preempt.h, v5.6), NEED_RESCHED inverted. */
export const PCPU_PREEMPT_COUNT: u32 = 1 * CACHELINE;
/** u32: the emulated EFLAGS.IF: 1 when interrupts are disabled on this CPU. */
export const PCPU_IRQS_DISABLED: u32 = 2 * CACHELINE;
/** u32: private word that smp_mb() does its locked RMW on (the kernel's -4(%rsp)). */
export const PCPU_MB_SCRATCH: u32 = 3 * CACHELINE;
/** u32: a per-CPU counter for this_cpu_inc benchmarks and tests. */
export const PCPU_COUNTER: u32 = 4 * CACHELINE;
/** u64 x OPS_SLOTS: op counters of the counting build (two lines). */
export const PCPU_OPS: u32 = 5 * CACHELINE;
export const OPS_SLOTS: u32 = 16;
/** u32: 1 while op counting is paused on this CPU (emulator bookkeeping), line 24. */
export const PCPU_OPS_PAUSED: u32 = 24 * CACHELINE;
/** u32 rdp->dynticks (atomic_t; v5.6 encoding: bit 1 set = RCU watching). Read remotely. */
export const PCPU_RCU_DYNTICKS: u32 = 7 * CACHELINE;
/** i64 rdp->dynticks_nesting (long). */
export const PCPU_RCU_NESTING: u32 = 8 * CACHELINE;
/** i64 rdp->dynticks_nmi_nesting (long). */
export const PCPU_RCU_NMI_NESTING: u32 = 9 * CACHELINE;
/** This CPU's view of grace periods: u32 rdp->gp_seq, u32 cpu_no_qs.b.norm, u32 cpu_no_qs.b.exp (read together as cpu_no_qs.s). */
export const PCPU_RCU_QS: u32 = 10 * CACHELINE;
export const QS_GP_SEQ: u32 = 0;
export const QS_CPU_NO_QS: u32 = 8; //   with QS_EXP_NEED_QS: an aligned u64, read at once (cpu_no_qs.s)
export const QS_EXP_NEED_QS: u32 = 12;
/** u32 the gp_seq this CPU's last quiescent-state report was made for (read by the kthread). */
export const PCPU_RCU_QS_REPORT: u32 = 11 * CACHELINE;
/** u32 rdp->dynticks_snap: written by the grace-period kthread only. */
export const PCPU_RCU_SNAP: u32 = 12 * CACHELINE;
/** u32 rdp->exp_dynticks_snap (tree_exp.h): the same writer, the same line. */
export const RCU_EXP_SNAP: u32 = 4;
/** u32 x NR_USAGE_SLOTS: usage errors (the kernel's WARN/lockdep splats) by kind. */
export const PCPU_USAGE: u32 = 13 * CACHELINE;
export const NR_USAGE_SLOTS: u32 = 16;
/** One line per srcu_struct: srcu_ctrs[2] of {u64 locks, u64 unlocks} (lock_count/unlock_count). */
export const PCPU_SRCU: u32 = 14 * CACHELINE;
export const SRCU_CTR_STRIDE: u32 = 16;
export const SRCU_CTR_LOCKS: u32 = 0;
export const SRCU_CTR_UNLOCKS: u32 = 8;
/** rcutorture per-CPU statistics: u64 rcu_torture_count[PIPE_LEN+1] ("Reader Pipe"), two lines. */
export const PCPU_TORTURE_PIPE: u32 = 18 * CACHELINE;
/** u64 rcu_torture_batch[PIPE_LEN+1] ("Reader Batch"), two lines. */
export const PCPU_TORTURE_BATCH: u32 = 20 * CACHELINE;
/** u64 counters: poisoned reads, sections, migrations, stalls, long delays. */
export const PCPU_TORTURE_MISC: u32 = 22 * CACHELINE;
export const TM_MBERROR: u32 = 0;
export const TM_SECTIONS: u32 = 8;
export const TM_MIGRATIONS: u32 = 16;
export const TM_STALLS: u32 = 24;
export const TM_LONG_DELAYS: u32 = 32;
export const TM_ADOPTED: u32 = 40;
/** Reader configuration (u32): 1-in-N rates of long delays, stalls, migrations. */
export const TM_CFG_LONG: u32 = 48;
export const TM_CFG_STALL: u32 = 52;
export const TM_CFG_MIGRATE: u32 = 56;
/** u64 PRNG state, u32 spin iterations per microsecond (calibrated by the host). */
export const PCPU_PRNG: u32 = 23 * CACHELINE;
export const PRNG_SPINS_PER_US: u32 = 8;
/**
 * Tracepoint probe statistics (u64): count probe, use-after-free, host probe, spins, calls;
 * then the current task's and this CPU's scheduler fields that migrate_disable() touches:
 * u32 p->migration_disabled, u32 this_rq()->nr_pinned, u32 p->cpus_ptr (0: &p->cpus_mask),
 * u32 current_task (per-CPU; the emulated CPU has one task).
 */
export const PCPU_TP: u32 = 25 * CACHELINE;
export const TPS_COUNT: u32 = 0;
export const TPS_UAF: u32 = 8;
export const TPS_HOST: u32 = 16;
export const TPS_SPIN: u32 = 24;
export const TPS_CALLS: u32 = 32;
export const TPS_MIGRATE_DISABLED: u32 = 40;
export const TPS_NR_PINNED: u32 = 44;
export const TPS_CPUS_PTR: u32 = 48;
export const TPS_CURRENT: u32 = 52;
/** u32 current->rcu_tasks_idle_cpu (v4.18, CONFIG_TASKS_RCU && CONFIG_NO_HZ_FULL). */
export const TPS_TASKS_IDLE_CPU: u32 = 56;
/**
 * u32 tracepoint torture's call in progress on this CPU (emulator bookkeeping, written by
 * tracepoint/torture.ts only): (probe-array slot + 1) << TPS_IN_CALL_SLOT_SHIFT | the
 * context's TPCTX_* bit; 0 between calls. The host reads it when it releases an array.
 */
export const TPS_IN_CALL: u32 = 60;
export const TPS_IN_CALL_SLOT_SHIFT: u32 = 8;
/** u32 context_tracking.state (CONTEXT_KERNEL / CONTEXT_USER, kernel/context_tracking.ts). */
export const PCPU_CT_STATE: u32 = 26 * CACHELINE;
/**
 * u32 x NR_SRCU: read-side sections of each srcu_struct this CPU's task holds, as lockdep
 * tracks ssp->dep_map (rcu_lock_acquire/rcu_lock_release in srcu_read_lock/unlock). Kept by
 * the checked read-lock commands only, never by the measured hot paths; emulator bookkeeping.
 */
export const PCPU_SRCU_HELD: u32 = 27 * CACHELINE;
/**
 * Statistics (u64) of the `rcu`, `tick` and `empty` probes: rcu probe calls, uses of a freed
 * (poisoned) object, ticks taken inside a probe, those that reported a quiescent state, and
 * empty-probe calls with data 0xffffffff (tracepoint/probes.ts probe_empty).
 */
export const PCPU_PROBE_STATS: u32 = 28 * CACHELINE;
export const PRS_RCU_CALLS: u32 = 0;
export const PRS_RCU_UAF: u32 = 8;
export const PRS_TICKS: u32 = 16;
export const PRS_TICK_QS: u32 = 24;
export const PRS_EMPTY_ALL_ONES: u32 = 32;
/**
 * int tracing_irq_cpu (kernel/trace/trace_preemptirq.c, v5.6 and v5.8): 1 while the
 * tracer has recorded this CPU's interrupts as off (kernel/trace_preemptirq.ts).
 */
export const PCPU_TRACING_IRQ_CPU: u32 = 29 * CACHELINE;
/** u64 x NR_MIX_PATHS: paths this CPU ran in the path mix (kernel/path_mix.ts), by path id. Emulator bookkeeping. */
export const PCPU_PATH_COUNTS: u32 = 30 * CACHELINE;
/**
 * u64 statistics of the rcuidle irq tracepoint (kernel/trace_preemptirq.ts), kept by the
 * counting build only: calls, and calls that found RCU already watching; then the same for
 * the irq_disable tracepoint.
 */
export const PCPU_RCUIDLE_STATS: u32 = 32 * CACHELINE;
export const RIS_CALLS: u32 = 0;
export const RIS_WATCHING: u32 = 8;
/** The same for the irq_disable tracepoint alone (trace_hardirqs_off's). */
export const RIS_OFF_CALLS: u32 = 16;
export const RIS_OFF_WATCHING: u32 = 24;
// ---- recursion guards (assembly/recursion/) ----------------------------------
/** int bpf_prog_active (kernel/bpf/syscall.c DEFINE_PER_CPU, v5.10.13): trace_call_bpf()'s guard. */
export const PCPU_BPF_PROG_ACTIVE: u32 = 33 * CACHELINE;
/** int swevent_htable.recursion[PERF_NR_CONTEXTS] (kernel/events/core.c, v5.10.13): u32 x 4. */
export const PCPU_PERF_RECURSION: u32 = 34 * CACHELINE;
/** u32 in_tracing word of this CPU's IRQ stack (the 2020 proposal): bit 0 shared, bit 1 + t tracer t. */
export const PCPU_IRQ_STACK_FLAG: u32 = 35 * CACHELINE;
/** u32 in_tracing word of this CPU's NMI (IST) stack. */
export const PCPU_NMI_STACK_FLAG: u32 = 36 * CACHELINE;
/**
 * The recursion lab's per-CPU registers (recursion/stacks.ts): u32 current_task (address of the
 * lab's task_struct), u32 the stack in use, u32 its in_tracing word's address, u32 irq_count.
 */
export const PCPU_REC_CPU: u32 = 37 * CACHELINE;
export const REC_CURRENT: u32 = 0;
export const REC_STACK: u32 = 4;
export const REC_FLAG_PTR: u32 = 8;
export const REC_IRQ_COUNT: u32 = 12;
/** The recursion lab's own state (the context that runs it): config, stats, tasks, text. 11 lines (recursion/lab.ts REC_LAB_SIZE). */
export const PCPU_REC_LAB: u32 = 38 * CACHELINE;
/**
 * The emulated CPU's pending-interrupt word (the local APIC's IRR, kernel/irq_delivery.ts):
 * u32 pending vectors (IRQ_VEC_* bits), set by this CPU's schedule, the emulated timer or
 * another CPU (an IPI), cleared by this CPU when it delivers; u32 the queued call-function
 * requests (CSD_* bits, smp_call_function_single's csd) at +4. Written remotely: own line.
 */
export const PCPU_IRQ_PENDING: u32 = 49 * CACHELINE;
export const IRQ_CSD: u32 = 4;
/**
 * Interrupt-delivery configuration and schedule state (emulator bookkeeping, never counted):
 * u32 schedule mode (IRQ_SCHED_*), u32 entry path (IRQ_ENTRY_*), u32 the schedule's argument
 * (N operations, the random mean, or HZ), u32 operations left until the next scheduled
 * interrupt, u64 the random schedule's PRNG state, f64 time of the next timer tick (us).
 */
export const PCPU_IRQ_CFG: u32 = 50 * CACHELINE;
export const IRQ_CFG_MODE: u32 = 0;
export const IRQ_CFG_ENTRY: u32 = 4;
export const IRQ_CFG_ARG: u32 = 8;
export const IRQ_CFG_COUNTDOWN: u32 = 12;
export const IRQ_CFG_PRNG: u32 = 16;
export const IRQ_CFG_NEXT_TICK_US: u32 = 24;
/**
 * Delivery statistics (u64, emulator bookkeeping): interrupts delivered by vector (device,
 * timer, call-function IPI), rcu_exp_handler() runs, and those that reported a quiescent state.
 */
export const PCPU_IRQ_STATS: u32 = 51 * CACHELINE;
export const IRQ_ST_DEVICE: u32 = 0;
export const IRQ_ST_TIMER: u32 = 8;
export const IRQ_ST_IPI: u32 = 16;
export const IRQ_ST_EXP_HANDLER: u32 = 24;
export const IRQ_ST_EXP_REPORTED: u32 = 32;
/** First line not used by this layout version. */
export const PCPU_FREE: u32 = 52 * CACHELINE;

/** Bytes of memory used by a machine of `cpus` CPUs. */
export function layout_end(cpus: u32): u32 {
  return PERCPU_BASE + (cpus + NR_EXTRA_CONTEXTS) * PERCPU_STRIDE;
}
