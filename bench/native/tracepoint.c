/*
 * Native x86-64 user-mode stand-ins of the tracepoint strategies (one enabled tracepoint,
 * one empty probe), each the same sequence as the emulation's row (assembly/tracepoint/
 * strategies.ts): v5.6's __DO_TRACE loop with `cond` first; v4.18's rcu_irq_enter/exit for
 * rcuidle-irq; v6.13's static_call form for noinstr (no rcu_is_watching()) and
 * noinstr+lockdep (the same plus cond and WARN_ONCE(!rcu_is_watching())); the 2025 form
 * with migrate_disable() of kernel/sched/core.c for srcu-fast. So the emulation is compared
 * with native code on the same machine in the same run. Like the WebAssembly build, these execute everything
 * except what user mode cannot (cli/sti) and leave out irq save/restore unless built with
 * -DWITH_IRQ_SAVE (pushf; pop + push; popf, the reference's stand-in). The static key of
 * an enabled tracepoint is a taken jump (0 cost), so it is left out. Output: JSON, ns per
 * call, median of `reps` repetitions of `iters` calls, with min and max.
 * With the argument `inline` (tracepoint ITERS REPS inline) it runs instead one loop per
 * strategy with the strategy inlined, the emulation's loop shape, plus "off" (the static
 * key's NOP): what `npm run bench -- strategies` compares the WebAssembly with. Variant rows
 * (docs/performance.md, "Hazards of the native stand-ins"): @indexed, the preempt count addressed
 * as V8 did with the base in a global; @load-sub-store, preempt_disable/enable as this file had
 * them in C before; @gs-rip, the kernel's instructions at the kernel's address form (left out,
 * and "gsRip":false, where the GS base cannot be set).
 * Build: cc -O2 -mno-red-zone -o tracepoint tracepoint.c
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "die-with-parent.h"

#define NOINLINE __attribute__((noinline))
#define INLINE inline __attribute__((always_inline))
#define barrier() __asm__ volatile("" ::: "memory")
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* __preempt_count: starts at PREEMPT_ENABLED, the PREEMPT_NEED_RESCHED bit (0x80000000) set
 * while no reschedule is needed (x86 keeps the bit inverted) */
static __thread unsigned int preempt_count = 0x80000000u;
static __thread unsigned int preempt_count_c;             /* the @load-sub-store rows' count (see below) */
struct srcu_data { unsigned long srcu_lock_count[2], srcu_unlock_count[2]; };
static __thread struct srcu_data srcu_data;
static struct srcu_struct { unsigned int srcu_idx; struct srcu_data *sda; } tracepoint_srcu; /* sda: &srcu_data of this thread */
static __thread unsigned long srcu_fast_locks, srcu_fast_unlocks;
static __thread unsigned int migration_disabled, nr_pinned, cpus_ptr_changed;
static __thread void *current_task;
static __thread int rcu_tasks_idle_cpu;
static __thread unsigned int cpu_number;                  /* raw_smp_processor_id() */
static unsigned long cpu_online_mask = 1;
static unsigned char warned;                               /* WARN_ONCE's __warned */
static __thread long dynticks_nmi_nesting;
static unsigned int dynticks __attribute__((aligned(64))) = 2; /* bit 1: RCU watching */

struct tracepoint_func { void (*func)(void *, unsigned long); void *data; int prio; };
NOINLINE static void probe_empty(void *data, unsigned long arg) { __asm__ volatile("" ::"r"(data), "r"(arg)); }
static struct tracepoint_func probes[2] = { { probe_empty, 0, 10 }, { 0, 0, 0 } };
static struct tracepoint_func *funcs = probes;

static inline void smp_mb(void) { __asm__ volatile("lock addl $0,-4(%%rsp)" ::: "memory", "cc"); }
static inline int atomic_add_return(int i, unsigned int *v) {
  int r = i;
  __asm__ volatile("lock xaddl %0, %1" : "+r"(r), "+m"(*v)::"memory");
  return r + i;
}
static inline unsigned long irq_save(void) {
#ifdef WITH_IRQ_SAVE
  unsigned long f;
  __asm__ volatile("pushf; pop %0" : "=r"(f)::"memory");
  return f;
#else
  return 0;
#endif
}
static inline void irq_restore(unsigned long f) {
#ifdef WITH_IRQ_SAVE
  __asm__ volatile("push %0; popf" ::"r"(f) : "memory", "cc");
#else
  (void)f;
#endif
}

NOINLINE static void preempt_schedule_notrace(void) { __asm__ volatile(""); }
/* The kernel's x86 code, arch/x86/include/asm/preempt.h (v5.6, the same in v6.13):
 * preempt_disable_notrace() is __preempt_count_inc(), raw_cpu_add_4(__preempt_count, 1), which
 * percpu_add_op (asm/percpu.h) emits as `incl %gs:__preempt_count`; preempt_enable_notrace()
 * (CONFIG_PREEMPTION) is `if (unlikely(__preempt_count_dec_and_test()))
 * __preempt_schedule_notrace()`, whose GEN_UNARY_RMWcc("decl", __preempt_count, e, ...) is
 * `decl %gs:__preempt_count; je`. Here %fs, this thread's TLS (the "m" operand carries the %fs:). */
static inline void preempt_disable_notrace(void) { __asm__ volatile("incl %0" : "+m"(preempt_count)::"cc"); barrier(); }
static inline void preempt_enable_notrace(void) {
  _Bool zero;
  barrier();
  __asm__ volatile("decl %0" : "+m"(preempt_count), "=@cce"(zero));
  if (zero) preempt_schedule_notrace();
}
/* What this file had before (rows @load-sub-store): the same in C, which gcc -O2 compiles to
 * `addl $1,%fs:x` and, for the enable, a load, a subtract, a store and a compare: a load of the
 * word right after the store of the increment before it (docs/performance.md, "Hazards of the
 * native stand-ins"). */
static inline void preempt_disable_c(void) { preempt_count_c++; barrier(); }
static inline void preempt_enable_c(void) { barrier(); if (--preempt_count_c == 0x80000000u) __asm__ volatile(""); }
/* Rows @gs-rip: the same instructions with the address the kernel's compiler gives
 * __preempt_count, a segment base and a rip-relative displacement (objdump of an x86-64 kernel:
 * `65 ff 0d <disp32>  decl %gs:0x7e...(%rip)`), where this file's TLS word is %fs:disp with no
 * register. main() sets the GS base so that %gs:gs_anchor(%rip) lands on gs_preempt_count. */
static unsigned int gs_anchor __attribute__((aligned(64)));
static unsigned int gs_preempt_count __attribute__((aligned(64))) = 0x80000000u;
static inline void preempt_disable_gs(void) { __asm__ volatile("incl %%gs:%0" : "+m"(gs_anchor)::"memory", "cc"); }
static inline void preempt_enable_gs(void) {
  _Bool zero;
  __asm__ volatile("decl %%gs:%0" : "+m"(gs_anchor), "=@cce"(zero)::"memory");
  if (zero) preempt_schedule_notrace();
}
/* Whether the GS base could be set (arch_prctl, or wrgsbase where Linux enabled FSGSBASE) and the
 * gs form reaches gs_preempt_count; without it the @gs-rip rows are left out. */
static int gs_form_ready(void) {
  uintptr_t base = (uintptr_t)&gs_preempt_count - (uintptr_t)&gs_anchor;
  if (syscall(SYS_arch_prctl, ARCH_SET_GS, base) != 0) {
    if (!(getauxval(AT_HWCAP2) & 2)) return 0; /* HWCAP2_FSGSBASE */
    __asm__ volatile("wrgsbase %0" ::"r"(base));
  }
  unsigned before = gs_preempt_count;
  preempt_disable_gs();
  int ok = READ_ONCE(gs_preempt_count) == before + 1;
  preempt_enable_gs();
  return ok && READ_ONCE(gs_preempt_count) == before;
}

/* DECLARE_TRACE's cond: cpu_online(raw_smp_processor_id()) */
static inline int cond(void) { return (READ_ONCE(cpu_online_mask) >> READ_ONCE(cpu_number)) & 1; }

static inline void call_probes(unsigned long arg) {
  struct tracepoint_func *it = READ_ONCE(funcs);
  if (it) do { it->func(it->data, arg); } while ((++it)->func);
}
/* __DO_TRACE_CALL with static_call (v5.10+), one probe: a direct call to it */
static inline void do_trace_call_static(unsigned long arg) {
  struct tracepoint_func *it = READ_ONCE(funcs);
  if (it) probe_empty(it->data, arg);
}

static NOINLINE void warn(void) { __asm__ volatile(""); }

/* rcu_nmi_enter_common / exit_common (v5.6 kernel/rcu/tree.c), with the exit's two WARN_ON_ONCE tests */
NOINLINE static void rcu_irq_enter(void) {
  long incby = 2;
  if (!(READ_ONCE(dynticks) & 2)) { atomic_add_return(2, &dynticks); incby = 1; }
  WRITE_ONCE(dynticks_nmi_nesting, dynticks_nmi_nesting + incby);
  barrier();
}
NOINLINE static void rcu_irq_exit(void) {
  if (READ_ONCE(dynticks_nmi_nesting) <= 0 || !(READ_ONCE(dynticks) & 2)) { warn(); return; }
  if (dynticks_nmi_nesting != 1) { WRITE_ONCE(dynticks_nmi_nesting, dynticks_nmi_nesting - 2); return; }
  WRITE_ONCE(dynticks_nmi_nesting, 0);
  atomic_add_return(2, &dynticks);
}

/* v4.18 (kernel/rcu/tree.c; CONFIG_TASKS_RCU + NO_HZ_FULL, !RCU_FAST_NO_HZ): rcu_irq_enter tests
 * dynticks_nmi_nesting and calls rcu_nmi_enter(), which has its own underflow WARN. */
NOINLINE static void rcu_nmi_enter_v4_18(void) {
  long incby = 2;
  if (READ_ONCE(dynticks_nmi_nesting) < 0) warn();
  if (!(READ_ONCE(dynticks) & 2)) { atomic_add_return(2, &dynticks); incby = 1; }
  WRITE_ONCE(dynticks_nmi_nesting, READ_ONCE(dynticks_nmi_nesting) + incby);
  barrier();
}
NOINLINE static void rcu_nmi_exit_v4_18(void) {
  if (READ_ONCE(dynticks_nmi_nesting) <= 0 || !(READ_ONCE(dynticks) & 2)) { warn(); return; }
  long n = READ_ONCE(dynticks_nmi_nesting);
  if (n != 1) { WRITE_ONCE(dynticks_nmi_nesting, n - 2); return; }
  WRITE_ONCE(dynticks_nmi_nesting, 0);
  atomic_add_return(2, &dynticks);
}
NOINLINE static void rcu_irq_enter_v4_18(void) {
  if (READ_ONCE(dynticks_nmi_nesting) == 0) { (void)READ_ONCE(current_task); WRITE_ONCE(rcu_tasks_idle_cpu, -1); }
  rcu_nmi_enter_v4_18();
}
NOINLINE static void rcu_irq_exit_v4_18(void) {
  rcu_nmi_exit_v4_18();
  if (READ_ONCE(dynticks_nmi_nesting) == 0) { (void)READ_ONCE(current_task); WRITE_ONCE(rcu_tasks_idle_cpu, (int)READ_ONCE(cpu_number)); }
}
NOINLINE static void rcu_irq_enter_irqson_v4_18(void) { unsigned long f = irq_save(); rcu_irq_enter_v4_18(); irq_restore(f); }
NOINLINE static void rcu_irq_exit_irqson_v4_18(void) { unsigned long f = irq_save(); rcu_irq_exit_v4_18(); irq_restore(f); }

/* The out-of-line functions that disable preemption, for either form of preempt_disable/enable
 * (suffix S: none for the kernel's form, _c for the @load-sub-store rows):
 * migrate_disable/enable (kernel/sched/core.c, v5.11-v6.17, !DEBUG_PREEMPT) and rcu_is_watching
 * (v5.6 kernel/rcu/tree.c). */
#define PREEMPT_USERS(S, DISABLE, ENABLE)                                                                    \
  NOINLINE static void migrate_disable##S(void) {                                                           \
    (void)READ_ONCE(current_task);                                                                          \
    if (migration_disabled) { migration_disabled++; return; }                                               \
    DISABLE(); nr_pinned++; migration_disabled = 1; ENABLE();                                               \
  }                                                                                                         \
  NOINLINE static void migrate_enable##S(void) {                                                            \
    (void)READ_ONCE(current_task);                                                                          \
    if (migration_disabled > 1) { migration_disabled--; return; }                                           \
    if (!migration_disabled) { warn(); return; }                                                            \
    DISABLE();                                                                                              \
    if (READ_ONCE(cpus_ptr_changed)) warn();                                                                \
    barrier(); migration_disabled = 0; nr_pinned--; ENABLE();                                               \
  }                                                                                                         \
  NOINLINE static int rcu_is_watching##S(void) { DISABLE(); int r = (READ_ONCE(dynticks) & 2) != 0; ENABLE(); return r; }
PREEMPT_USERS(, preempt_disable_notrace, preempt_enable_notrace)
PREEMPT_USERS(_c, preempt_disable_c, preempt_enable_c)
PREEMPT_USERS(_gs, preempt_disable_gs, preempt_enable_gs)
NOINLINE static void rcu_irq_enter_irqson(void) { unsigned long f = irq_save(); rcu_irq_enter(); irq_restore(f); }
NOINLINE static void rcu_irq_exit_irqson(void) { unsigned long f = irq_save(); rcu_irq_exit(); irq_restore(f); }
/* v5.6 __srcu_read_lock/unlock: this_cpu_inc(ssp->sda->...) loads ssp->sda first */
NOINLINE static int __srcu_read_lock(void) {
  int idx = READ_ONCE(tracepoint_srcu.srcu_idx) & 1; READ_ONCE(tracepoint_srcu.sda)->srcu_lock_count[idx]++; smp_mb(); return idx;
}
NOINLINE static void __srcu_read_unlock(int idx) { smp_mb(); READ_ONCE(tracepoint_srcu.sda)->srcu_unlock_count[idx]++; }

/* The harness: the loop's call of a strategy function that does nothing, so that its own cost
 * (an indirect call and return per iteration) can be taken out of every row. */
NOINLINE static void t_harness(unsigned long a) { __asm__ volatile("" ::"r"(a)); }
INLINE static void t_rcuidle_irq(unsigned long a) {
  if (!cond()) return;
  rcu_irq_enter_irqson_v4_18(); preempt_disable_notrace(); call_probes(a); preempt_enable_notrace(); rcu_irq_exit_irqson_v4_18();
}
INLINE static void t_rcuidle_srcu(unsigned long a) { if (!cond()) return; preempt_disable_notrace(); int i = __srcu_read_lock(); call_probes(a); __srcu_read_unlock(i); preempt_enable_notrace(); }
INLINE static void t_rcuidle_srcu_irq(unsigned long a) {
  if (!cond()) return;
  preempt_disable_notrace(); int i = __srcu_read_lock(); rcu_irq_enter_irqson(); call_probes(a); rcu_irq_exit_irqson(); __srcu_read_unlock(i); preempt_enable_notrace();
}
/* The strategies whose time is set by the preempt count's chains, for either form (suffix S as
 * PREEMPT_USERS): plain; rcuidle-watching; v6.13 trace_X() (noinstr: no rcu_is_watching()
 * without LOCKDEP; noinstr+lockdep: then `if (cond) WARN_ONCE(!rcu_is_watching())`); srcu-fast
 * (2025, CONFIG_PREEMPT_RT: guard(srcu_fast_notrace), guard(migrate), the static_call form). */
#define LIGHT_STRATEGIES(S, DISABLE, ENABLE)                                                                 \
  INLINE static void t_plain##S(unsigned long a) { if (!cond()) return; DISABLE(); call_probes(a); ENABLE(); } \
  INLINE static void t_rcuidle_watching##S(unsigned long a) {                                                \
    if (!cond()) return;                                                                                    \
    int exit_rcu = 0;                                                                                       \
    if (!rcu_is_watching##S()) { rcu_irq_enter_irqson(); exit_rcu = 1; }                                    \
    DISABLE(); call_probes(a); ENABLE();                                                                    \
    if (exit_rcu) rcu_irq_exit_irqson();                                                                    \
  }                                                                                                         \
  INLINE static void t_noinstr##S(unsigned long a) { if (cond()) { DISABLE(); do_trace_call_static(a); ENABLE(); } } \
  INLINE static void t_noinstr_lockdep##S(unsigned long a) {                                                \
    t_noinstr##S(a);                                                                                        \
    if (cond() && !rcu_is_watching##S() && !READ_ONCE(warned)) warn();                                      \
  }                                                                                                         \
  INLINE static void t_srcu_fast##S(unsigned long a) {                                                      \
    if (!cond()) return;                                                                                    \
    srcu_fast_locks++; barrier();                     /* scp = READ_ONCE(srcu_ctrp): a per-CPU pointer */   \
    migrate_disable##S(); do_trace_call_static(a); migrate_enable##S();                                     \
    barrier(); srcu_fast_unlocks++;                                                                         \
  }
LIGHT_STRATEGIES(, preempt_disable_notrace, preempt_enable_notrace)
LIGHT_STRATEGIES(_c, preempt_disable_c, preempt_enable_c)
LIGHT_STRATEGIES(_gs, preempt_disable_gs, preempt_enable_gs)

/* The static key disabled: the kernel executes the jump label's 5-byte NOP (arch_static_branch). */
INLINE static void t_off(unsigned long a) { (void)a; __asm__ volatile(".byte 0x0f,0x1f,0x44,0x00,0x00"); }

/* The same plain and rcuidle-watching sequences with the preempt count addressed as V8 addresses
 * WebAssembly memory, [memory start + index] (an index register), instead of the kernel's
 * %gs:disp (here %fs:disp). x86 cores that forward a store to a later load of the same
 * address at no latency (memory renaming) do it for [base + disp] forms; an indexed address
 * loses it, so each preempt_disable/enable read-modify-write waits for the one before. */
static char pcpu_area[4096] __attribute__((aligned(64)));
static unsigned long volatile pcpu_index = 64;        /* this CPU's preempt count: an index, as V8 holds it */
INLINE static unsigned preempt_add_ix(int d) {
  unsigned v;
  __asm__ volatile("movl (%1,%2,1),%0; addl %3,%0; movl %0,(%1,%2,1)" : "=&r"(v) : "r"(pcpu_area), "r"(pcpu_index), "r"(d) : "memory", "cc");
  return v;
}
INLINE static void t_plain_ix(unsigned long a) { if (!cond()) return; preempt_add_ix(1); call_probes(a); if (preempt_add_ix(-1) == 0x80000000u) __asm__ volatile(""); }
NOINLINE static int rcu_is_watching_ix(void) { preempt_add_ix(1); int r = (READ_ONCE(dynticks) & 2) != 0; if (preempt_add_ix(-1) == 0x80000000u) __asm__ volatile(""); return r; }
INLINE static void t_rcuidle_watching_ix(unsigned long a) {
  if (!cond()) return;
  int exit_rcu = 0;
  if (!rcu_is_watching_ix()) { rcu_irq_enter_irqson(); exit_rcu = 1; }
  preempt_add_ix(1); call_probes(a); if (preempt_add_ix(-1) == 0x80000000u) __asm__ volatile("");
  if (exit_rcu) rcu_irq_exit_irqson();
}

/* The emulation's loop shape (assembly/tracepoint/loops.ts): one loop per strategy with
 * trace_X() inlined into it, no harness call. Run with the argument `inline`. */
#define LOOP(x) NOINLINE static void loop_##x(long n) { for (long i = 0; i < n; i++) t_##x(i); }
LOOP(off) LOOP(plain) LOOP(noinstr) LOOP(noinstr_lockdep) LOOP(rcuidle_irq) LOOP(rcuidle_srcu) LOOP(rcuidle_srcu_irq) LOOP(rcuidle_watching) LOOP(srcu_fast) LOOP(plain_ix) LOOP(rcuidle_watching_ix)
LOOP(plain_c) LOOP(noinstr_c) LOOP(noinstr_lockdep_c) LOOP(rcuidle_watching_c) LOOP(srcu_fast_c)
LOOP(plain_gs) LOOP(noinstr_gs) LOOP(noinstr_lockdep_gs) LOOP(rcuidle_watching_gs) LOOP(srcu_fast_gs)

static double now_ns(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec * 1e9 + ts.tv_nsec; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
  die_with_parent();
  long iters = argc > 1 ? atol(argv[1]) : 10000000;
  int reps = argc > 2 ? atoi(argv[2]) : 5;
  if (iters < 1 || reps < 1 || reps > 1000) { fprintf(stderr, "usage: tracepoint [iters>=1] [reps 1..1000]\n"); return 2; }
  tracepoint_srcu.sda = &srcu_data; warned = 1; /* WARN_ONCE after its first hit */
  cpu_set_t set; CPU_ZERO(&set); CPU_SET(0, &set); sched_setaffinity(0, sizeof set, &set);
  int inl = argc > 3 && argv[3][0] == 'i';
  struct { const char *name; void (*loop)(long); } L[] = {
    {"off", loop_off}, {"plain", loop_plain}, {"noinstr", loop_noinstr}, {"noinstr+lockdep", loop_noinstr_lockdep}, {"rcuidle-irq", loop_rcuidle_irq},
    {"rcuidle-srcu", loop_rcuidle_srcu}, {"rcuidle-srcu-irq", loop_rcuidle_srcu_irq}, {"rcuidle-watching", loop_rcuidle_watching}, {"srcu-fast", loop_srcu_fast},
    {"plain@indexed", loop_plain_ix}, {"rcuidle-watching@indexed", loop_rcuidle_watching_ix},
    {"plain@load-sub-store", loop_plain_c}, {"noinstr@load-sub-store", loop_noinstr_c}, {"noinstr+lockdep@load-sub-store", loop_noinstr_lockdep_c},
    {"rcuidle-watching@load-sub-store", loop_rcuidle_watching_c}, {"srcu-fast@load-sub-store", loop_srcu_fast_c},
    {"plain@gs-rip", loop_plain_gs}, {"noinstr@gs-rip", loop_noinstr_gs}, {"noinstr+lockdep@gs-rip", loop_noinstr_lockdep_gs},
    {"rcuidle-watching@gs-rip", loop_rcuidle_watching_gs}, {"srcu-fast@gs-rip", loop_srcu_fast_gs},
  };
  struct { const char *name; void (*fn)(unsigned long); } s[] = {
    {"plain", t_plain}, {"noinstr", t_noinstr}, {"noinstr+lockdep", t_noinstr_lockdep}, {"rcuidle-irq", t_rcuidle_irq}, {"rcuidle-srcu", t_rcuidle_srcu},
    {"rcuidle-srcu-irq", t_rcuidle_srcu_irq}, {"rcuidle-watching", t_rcuidle_watching}, {"srcu-fast", t_srcu_fast},
    {"harness", t_harness},
  };
  const char *ctx[] = {"task", "idle"};
  double *v = malloc(sizeof(double) * reps);
  if (inl) {                                    /* the inline loops: {"strategy/context": ns per call} */
    int gs = gs_form_ready();
    printf("{\"schema\":\"rcu-lab/native-tracepoint-inline@1\",\"gsRip\":%s,\"iterations\":%ld,\"reps\":%d,\"nsPerCall\":{", gs ? "true" : "false", iters, reps);
    for (int c = 0; c < 2; c++)
      for (unsigned k = 0; k < sizeof L / sizeof L[0]; k++) {
        if (!gs && strstr(L[k].name, "@gs-rip")) continue;
        dynticks = c == 0 ? 2 : 4;
        dynticks_nmi_nesting = c == 0 ? (long)(~0UL >> 2) + 1 : 0;
        L[k].loop(iters / 10);
        for (int r = 0; r < reps; r++) { double t0 = now_ns(); L[k].loop(iters); v[r] = (now_ns() - t0) / iters; }
        qsort(v, reps, sizeof(double), cmp);
        double med = reps % 2 ? v[reps / 2] : (v[reps / 2 - 1] + v[reps / 2]) / 2;
        printf("%s\"%s/%s\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f,\"n\":%d}", c || k ? "," : "", L[k].name, ctx[c], med, v[0], v[reps - 1], reps);
      }
    printf("}}\n");
    free(v);
    return 0;
  }
  printf("{\"schema\":\"rcu-lab/native-tracepoint@1\",\"irqSave\":%s,\"iterations\":%ld,\"reps\":%d,\"nsPerCall\":{",
#ifdef WITH_IRQ_SAVE
         "true",
#else
         "false",
#endif
         iters, reps);
  int first = 1;
  for (int c = 0; c < 2; c++) {
    for (unsigned k = 0; k < sizeof s / sizeof s[0]; k++) {
      dynticks = c == 0 ? 2 : 4;                 /* task: watching; idle: in an EQS */
      dynticks_nmi_nesting = c == 0 ? (long)(~0UL >> 2) + 1 : 0;
      for (long i = 0; i < iters / 10; i++) s[k].fn(i);
      for (int r = 0; r < reps; r++) {
        double t0 = now_ns();
        for (long i = 0; i < iters; i++) s[k].fn(i);
        v[r] = (now_ns() - t0) / iters;
      }
      qsort(v, reps, sizeof(double), cmp);
      double med = reps % 2 ? v[reps / 2] : (v[reps / 2 - 1] + v[reps / 2]) / 2;
      printf("%s\"%s/%s\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f,\"n\":%d}", first ? "" : ",", s[k].name, ctx[c], med, v[0], v[reps - 1], reps);
      first = 0;
    }
  }
  printf("}}\n");
  free(v);
  return 0;
}
