/*
 * The per-CPU preempt count's read-modify-write chains in controlled forms, back to back in one
 * process: what makes a native stand-in's light row (plain, rcuidle-watching, noinstr+lockdep,
 * srcu-fast of tracepoint.c) fast or slow on a given x86 core. Every form is written in inline
 * asm, so the instructions are the same whatever the compiler; only the named thing differs.
 *
 * Each loop iteration is one of two sequences, with the empty probe called in between (the
 * tracepoint's call *(%rbx)):
 *   plain:    preempt_disable; probe(); preempt_enable
 *   watching: rcu_is_watching() out of line (preempt_disable; load dynticks; preempt_enable),
 *             then plain's sequence: two pairs of RMWs on one word per call
 *   inlined:  the same with rcu_is_watching() inlined (as Binaryen inlines it in the WebAssembly)
 * and the forms of preempt_disable / preempt_enable (the word starts at 0x80000000, PREEMPT_ENABLED;
 * the enable tests for zero, as __preempt_count_dec_and_test(), and is never taken):
 *   kernel     incl %fs:x / decl %fs:x; je (arch/x86/include/asm/preempt.h: raw_cpu_add_4 and
 *              __preempt_count_dec_and_test's GEN_UNARY_RMWcc, %gs in the kernel)
 *   gcc        addl $1,%fs:x / movl %fs:x,r; subl; movl r,%fs:x; test; je (the shape gcc -O2 made
 *              of `preempt_count++` and `--preempt_count == 0x80000000u`: tracepoint.c before)
 *   ldst       movl %fs:x,r; addl; movl r,%fs:x, both ways (V8's form, with %fs:disp)
 *   base       incl/decl 0x40(%reg), the base read from memory before each access (a new register)
 *   base-ldst  the ldst sequence at 0x40(%reg), the base read from memory before each access
 *   base-held  the ldst sequence with the base kept in one register: V8's per-CPU modules
 *              ([r15 + disp] in Node 20, r15 the memory start, reloaded after a call)
 *   rip        incl/decl x(%rip) (a plain global)
 *   gs-rip     incl/decl %gs:x(%rip): what the kernel's compiler makes of %gs:__preempt_count
 *              (GS base set so that the address lands on a word of its own)
 *   indexed    movl (%reg,%idx),r; addl; movl (V8 with the base in a global: tracepoint.c's @indexed)
 * Output: one line per form and sequence, ns per call, median [min-max] over REPS batches of
 * ITERS calls; the forms interleaved batch by batch so that load on the machine falls on all.
 * Build: cc -O2 -mno-red-zone -o build/preempt-forms bench/native/preempt-forms.c
 * Run:   build/preempt-forms [ITERS] [REPS]
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
static __thread unsigned int preempt_count = 0x80000000u; /* PREEMPT_ENABLED: the need-resched bit, inverted */
static unsigned int g_count __attribute__((aligned(64))) = 0x80000000u;
static unsigned int area[32] __attribute__((aligned(64))) = {[16] = 0x80000000u};
static unsigned int *volatile area_p = area;               /* the base in a register, read from memory */
static unsigned long volatile area_ix = 64;                /* the index, read from memory */
static unsigned int dynticks = 2;
/* gs-rip: %gs:anchor(%rip), the GS base set so that it lands on gs_word */
static unsigned int gs_anchor __attribute__((aligned(64)));
static unsigned int gs_word __attribute__((aligned(64))) = 0x80000000u;

NOINLINE static void probe_empty(void *data, unsigned long arg) { __asm__ volatile("" ::"r"(data), "r"(arg)); }
static void (*volatile probe)(void *, unsigned long) = probe_empty;
NOINLINE static void resched(void) { __asm__ volatile(""); }

#define DEC_JE(insn, ...) do { _Bool z; __asm__ volatile(insn : "=@cce"(z), __VA_ARGS__ :: "memory"); if (z) resched(); } while (0)
/* kernel: incl / decl; je */
#define K_DIS() __asm__ volatile("incl %0" : "+m"(preempt_count) :: "memory", "cc")
#define K_EN() DEC_JE("decl %1", "+m"(preempt_count))
/* gcc: what -O2 made of the C */
#define G_DIS() __asm__ volatile("addl $1,%0" : "+m"(preempt_count) :: "memory", "cc")
#define G_EN() do { unsigned v; __asm__ volatile("movl %1,%0; subl $1,%0; movl %0,%1" : "=&r"(v), "+m"(preempt_count) :: "memory", "cc"); if (v == 0) resched(); } while (0)
/* ldst: load, add, store */
#define L_DIS() do { unsigned v; __asm__ volatile("movl %1,%0; addl $1,%0; movl %0,%1" : "=&r"(v), "+m"(preempt_count) :: "memory", "cc"); } while (0)
#define L_EN() do { unsigned v; __asm__ volatile("movl %1,%0; addl $-1,%0; movl %0,%1" : "=&r"(v), "+m"(preempt_count) :: "memory", "cc"); if (v == 0) resched(); } while (0)
/* base: 0x40(%reg), the base read from memory for each access (a new register each time) */
#define B_DIS() do { unsigned *p = area_p; __asm__ volatile("incl 0x40(%0)" :: "r"(p) : "memory", "cc"); } while (0)
#define B_EN() do { unsigned *p = area_p; _Bool z; __asm__ volatile("decl 0x40(%1)" : "=@cce"(z) : "r"(p) : "memory"); if (z) resched(); } while (0)
#define BL_DIS() do { unsigned *p = area_p, v; __asm__ volatile("movl 0x40(%1),%0; addl $1,%0; movl %0,0x40(%1)" : "=&r"(v) : "r"(p) : "memory", "cc"); } while (0)
#define BL_EN() do { unsigned *p = area_p, v; __asm__ volatile("movl 0x40(%1),%0; addl $-1,%0; movl %0,0x40(%1)" : "=&r"(v) : "r"(p) : "memory", "cc"); if (v == 0) resched(); } while (0)
/* base-held: the same with the base loaded once per loop and kept in one register (V8's r12 between calls) */
#define H_DIS() __asm__ volatile("movl 0x40(%1),%0; addl $1,%0; movl %0,0x40(%1)" : "=&r"(v_) : "r"(base) : "memory", "cc")
#define H_EN() do { __asm__ volatile("movl 0x40(%1),%0; addl $-1,%0; movl %0,0x40(%1)" : "=&r"(v_) : "r"(base) : "memory", "cc"); if (v_ == 0) resched(); } while (0)
/* rip: a plain global */
#define R_DIS() __asm__ volatile("incl %0" : "+m"(g_count) :: "memory", "cc")
#define R_EN() DEC_JE("decl %1", "+m"(g_count))
/* gs-rip: the kernel's compiled form, `incl %gs:__preempt_count(%rip)` (a segment base and a
 * rip-relative displacement; objdump of any x86-64 kernel: `65 ff 0d <disp32>  decl %gs:0x7e...(%rip)`) */
#define S_DIS() __asm__ volatile("incl %%gs:%0" : "+m"(gs_anchor) :: "memory", "cc")
#define S_EN() DEC_JE("decl %%gs:%1", "+m"(gs_anchor))
/* indexed: (%base,%index) */
#define X_DIS() do { unsigned *p = area_p, v; unsigned long i = area_ix; __asm__ volatile("movl (%1,%2),%0; addl $1,%0; movl %0,(%1,%2)" : "=&r"(v) : "r"(p), "r"(i) : "memory", "cc"); } while (0)
#define X_EN() do { unsigned *p = area_p, v; unsigned long i = area_ix; __asm__ volatile("movl (%1,%2),%0; addl $-1,%0; movl %0,(%1,%2)" : "=&r"(v) : "r"(p), "r"(i) : "memory", "cc"); if (v == 0) resched(); } while (0)

/* `base` (the area, loaded once per loop, passed to rcu_is_watching) is used by the base-held form only */
#define FORM(f, DIS, EN)                                                                                  \
  NOINLINE static int watching_##f(unsigned *base) { unsigned v_; (void)base; (void)v_; DIS(); int r = (*(volatile unsigned *)&dynticks & 2) != 0; EN(); return r; } \
  NOINLINE static void plain_##f(long n) { unsigned *base = area_p, v_; (void)base; (void)v_; for (long i = 0; i < n; i++) { DIS(); probe(0, i); EN(); } } \
  NOINLINE static void watch_##f(long n) {                                                                \
    unsigned *base = area_p, v_; (void)base; (void)v_;                                                    \
    for (long i = 0; i < n; i++) { if (!watching_##f(base)) resched(); DIS(); probe(0, i); EN(); }        \
  }                                                                                                       \
  NOINLINE static void inlined_##f(long n) {                                                              \
    unsigned *base = area_p, v_; (void)base; (void)v_;                                                    \
    for (long i = 0; i < n; i++) {                                                                        \
      DIS(); int r = (*(volatile unsigned *)&dynticks & 2) != 0; EN(); if (!r) resched();                 \
      DIS(); probe(0, i); EN();                                                                           \
    }                                                                                                     \
  }
FORM(kernel, K_DIS, K_EN) FORM(gcc, G_DIS, G_EN) FORM(ldst, L_DIS, L_EN) FORM(base, B_DIS, B_EN)
FORM(base_ldst, BL_DIS, BL_EN) FORM(base_held, H_DIS, H_EN) FORM(rip, R_DIS, R_EN) FORM(gs_rip, S_DIS, S_EN) FORM(indexed, X_DIS, X_EN)

static double now_ns(void) { struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts); return ts.tv_sec * 1e9 + ts.tv_nsec; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
  long iters = argc > 1 ? atol(argv[1]) : 2000000;
  int reps = argc > 2 ? atoi(argv[2]) : 11;
  if (iters < 1 || reps < 1 || reps > 1000) { fprintf(stderr, "usage: preempt-forms [iters>=1] [reps 1..1000]\n"); return 2; }
  cpu_set_t set; CPU_ZERO(&set); CPU_SET(0, &set); sched_setaffinity(0, sizeof set, &set);
  /* the GS base: arch_prctl(ARCH_SET_GS), or where a sandbox refuses it, wrgsbase (FSGSBASE, Linux 5.9+) */
  uintptr_t gs = (uintptr_t)&gs_word - (uintptr_t)&gs_anchor;
  if (syscall(SYS_arch_prctl, ARCH_SET_GS, gs)) {
    if (!(getauxval(AT_HWCAP2) & 2)) { fprintf(stderr, "preempt-forms: cannot set the GS base (arch_prctl refused, no FSGSBASE): the gs-rip form cannot run here\n"); return 3; }
    __asm__ volatile("wrgsbase %0" ::"r"(gs));
  }
  S_DIS();
  if (gs_word != 0x80000001u) { fprintf(stderr, "preempt-forms: %%gs:gs_anchor(%%rip) did not reach gs_word\n"); return 3; }
  S_EN();
  struct { const char *name; void (*loop)(long); } L[] = {
    {"plain/kernel", plain_kernel}, {"plain/gcc", plain_gcc}, {"plain/ldst", plain_ldst}, {"plain/base", plain_base},
    {"plain/base-ldst", plain_base_ldst}, {"plain/base-held", plain_base_held}, {"plain/rip", plain_rip}, {"plain/gs-rip", plain_gs_rip}, {"plain/indexed", plain_indexed},
    {"watching/kernel", watch_kernel}, {"watching/gcc", watch_gcc}, {"watching/ldst", watch_ldst}, {"watching/base", watch_base},
    {"watching/base-ldst", watch_base_ldst}, {"watching/base-held", watch_base_held}, {"watching/rip", watch_rip}, {"watching/gs-rip", watch_gs_rip}, {"watching/indexed", watch_indexed},
    {"inlined/kernel", inlined_kernel}, {"inlined/gcc", inlined_gcc}, {"inlined/ldst", inlined_ldst}, {"inlined/base", inlined_base},
    {"inlined/base-ldst", inlined_base_ldst}, {"inlined/base-held", inlined_base_held}, {"inlined/rip", inlined_rip}, {"inlined/gs-rip", inlined_gs_rip}, {"inlined/indexed", inlined_indexed},
  };
  enum { N = sizeof L / sizeof L[0] };
  double *v = malloc(sizeof(double) * reps * N);
  for (int k = 0; k < N; k++) L[k].loop(iters / 10);
  for (int r = 0; r < reps; r++)
    for (int k = 0; k < N; k++) { double t0 = now_ns(); L[k].loop(iters); v[k * reps + r] = (now_ns() - t0) / iters; }
  for (int k = 0; k < N; k++) {
    double *x = v + k * reps;
    qsort(x, reps, sizeof(double), cmp);
    printf("%-20s %.2f [%.2f-%.2f] ns per call\n", L[k].name, reps % 2 ? x[reps / 2] : (x[reps / 2 - 1] + x[reps / 2]) / 2, x[0], x[reps - 1]);
  }
  free(v);
  return 0;
}
