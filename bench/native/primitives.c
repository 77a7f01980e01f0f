/*
 * Native x86-64 versions of the primitive loops of assembly/bench.ts, so that the
 * emulation is compared with the hardware it runs on, in the same run. The sequences are
 * those of docs/native-reference.md. Prints one JSON object: ns per operation, the
 * median of `reps` repetitions of `iters`-iteration loops, with min and max.
 * Build: cc -O2 -mno-red-zone -o primitives primitives.c
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "die-with-parent.h"

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static volatile uint32_t word __attribute__((aligned(64)));
static uint32_t counter __attribute__((aligned(64)));

__attribute__((noinline)) static void empty_fn(uint32_t x) { __asm__ volatile("" ::"r"(x)); }
static void (*volatile fnptr)(uint32_t) = empty_fn;

static void loop_empty(long n) {
  for (long i = 0; i < n; i++) __asm__ volatile("movl %k0, %1" ::"r"(i), "m"(counter));
}
static void loop_this_cpu_inc(long n) {
  uint32_t *p = &counter;
  for (long i = 0; i < n; i++) __asm__ volatile("incl (%0)" ::"r"(p) : "memory");
}
static void loop_lock_xadd(long n) {
  for (long i = 0; i < n; i++) {
    uint32_t v = 1;
    __asm__ volatile("lock xaddl %0, %1" : "+r"(v), "+m"(counter)::"memory");
  }
}
static void loop_smp_mb(long n) {
  for (long i = 0; i < n; i++) __asm__ volatile("lock addl $0,-4(%%rsp)" ::: "memory", "cc");
}
static void loop_mfence(long n) {
  for (long i = 0; i < n; i++) __asm__ volatile("mfence" ::: "memory");
}
static void loop_read_once_branch(long n) {
  long taken = 0;
  for (long i = 0; i < n; i++) if (word == 0xdeadbeef) taken++;
  __asm__ volatile("" ::"r"(taken));
}
static void loop_indirect_call(long n) {
  void (*f)(uint32_t) = fnptr;
  for (long i = 0; i < n; i++) { f((uint32_t)i); __asm__ volatile("" : "+r"(f)); }
}

/*
 * In sequence: the marginal cost of one operation placed inside ordinary kernel-like work,
 * the input of the cost model (bindings/experiments/costs.ts). Back to back, a locked
 * instruction or popf waits only for its predecessor; inside a sequence it also waits for
 * the stores before it to drain and lets later independent work start, so its cost there
 * differs. The filler is generic work, not any strategy's sequence (the model is checked
 * against those, so nothing is fitted to them): per unit a READ_ONCE and a never-taken
 * branch, a per-CPU increment and a store, four units per iteration; the operation under
 * test sits in the middle. Marginal cost = (filler + op) - filler. The filler itself, per
 * op, is what a light op (load, branch, per-CPU RMW, store) costs in a sequence.
 */
static __thread uint32_t pcpu_count;
static __thread long pcpu_word;
static inline void fill_unit(long i) {
  if (word == 0xdeadbeef) __asm__ volatile("");
  pcpu_count++;
  *(volatile long *)&pcpu_word = pcpu_word + i;
}
static inline void seq_lock_xadd(void) { uint32_t v = 1; __asm__ volatile("lock xaddl %0, %1" : "+r"(v), "+m"(counter)::"memory"); }
static inline void seq_smp_mb(void) { __asm__ volatile("lock addl $0,-4(%%rsp)" ::: "memory", "cc"); }
static inline unsigned long seq_irq_save(void) { unsigned long f; __asm__ volatile("pushf; pop %0" : "=r"(f)::"memory"); return f; }
static inline void seq_irq_restore(unsigned long f) { __asm__ volatile("push %0; popf" ::"r"(f) : "memory", "cc"); }
#define SEQ_LOOP(name, op)                                                               \
  static void name(long n) {                                                             \
    void (*f)(uint32_t) = fnptr;                                                         \
    for (long i = 0; i < n; i++) {                                                       \
      fill_unit(i); fill_unit(i);                                                        \
      op;                                                                                \
      fill_unit(i); fill_unit(i);                                                        \
      __asm__ volatile("" : "+r"(f));                                                    \
    }                                                                                    \
  }
SEQ_LOOP(seq_filler, (void)0)
SEQ_LOOP(seq_atomic_rmw, seq_lock_xadd())
SEQ_LOOP(seq_smp_mb_loop, seq_smp_mb())
SEQ_LOOP(seq_irq_save_loop, { unsigned long x = seq_irq_save(); __asm__ volatile("" ::"r"(x)); })
SEQ_LOOP(seq_irq_pair, { unsigned long x = seq_irq_save(); fill_unit(i); seq_irq_restore(x); })
SEQ_LOOP(seq_irq_save_unit, { unsigned long x = seq_irq_save(); fill_unit(i); __asm__ volatile("" ::"r"(x)); })
SEQ_LOOP(seq_call, empty_fn((uint32_t)i))
SEQ_LOOP(seq_indirect_call, f((uint32_t)i))

/* The clock: 8 dependent one-cycle add/xor per iteration, as calibrate_chain in assembly/bench.ts. */
static uint32_t clock_chain(long n, uint32_t a, uint32_t b) {
  uint32_t x = a;
  for (long i = 0; i < n; i++) {
    __asm__ volatile("addl %1, %0; xorl %2, %0; addl %1, %0; xorl %2, %0; addl %1, %0; xorl %2, %0; addl %1, %0; xorl %2, %0"
                     : "+r"(x) : "r"(a), "r"(b));
  }
  return x;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  die_with_parent();
  long iters = argc > 1 ? atol(argv[1]) : 20000000;
  int reps = argc > 2 ? atoi(argv[2]) : 5;
  if (iters < 1 || reps < 1 || reps > 1000) { fprintf(stderr, "usage: primitives [iters>=1] [reps 1..1000]\n"); return 2; }
  cpu_set_t set; CPU_ZERO(&set); CPU_SET(0, &set); sched_setaffinity(0, sizeof set, &set);
  struct { const char *name; void (*fn)(long); } loops[] = {
    {"loop baseline", loop_empty}, {"this_cpu_inc", loop_this_cpu_inc},
    {"atomic_add_return", loop_lock_xadd}, {"smp_mb", loop_smp_mb}, {"mfence", loop_mfence},
    {"READ_ONCE+branch", loop_read_once_branch}, {"indirect call", loop_indirect_call},
  };
  double *s = malloc(sizeof(double) * reps);
  printf("{\"schema\":\"rcu-lab/native-primitives@2\",\"iterations\":%ld,\"reps\":%d,\"nsPerOp\":{", iters, reps);
  for (unsigned k = 0; k < sizeof loops / sizeof loops[0]; k++) {
    loops[k].fn(iters / 10);
    for (int r = 0; r < reps; r++) { double t0 = now_ns(); loops[k].fn(iters); s[r] = (now_ns() - t0) / iters; }
    qsort(s, reps, sizeof(double), cmp);
    double med = reps % 2 ? s[reps / 2] : (s[reps / 2 - 1] + s[reps / 2]) / 2;
    printf("%s\"%s\":{\"median\":%.4f,\"min\":%.4f,\"max\":%.4f,\"n\":%d}", k ? "," : "", loops[k].name, med, s[0], s[reps - 1], reps);
  }
  /* In sequence: medians of filler+op and of the filler, then their difference. */
  struct { const char *name; void (*fn)(long); void (*base)(long); } seq[] = {
    {"atomic_rmw", seq_atomic_rmw, seq_filler}, {"smp_mb", seq_smp_mb_loop, seq_filler},
    {"irq_save", seq_irq_save_loop, seq_filler}, {"irq_restore", seq_irq_pair, seq_irq_save_unit},
    {"call", seq_call, seq_filler}, {"indirect_call", seq_indirect_call, seq_filler},
  };
  double filler = 0;
  printf("},\"inSequence\":{");
  for (unsigned k = 0; k < sizeof seq / sizeof seq[0]; k++) {
    double m[2];
    void (*fns[2])(long) = {seq[k].fn, seq[k].base};
    for (int j = 0; j < 2; j++) {
      fns[j](iters / 10);
      for (int r = 0; r < reps; r++) { double t0 = now_ns(); fns[j](iters); s[r] = (now_ns() - t0) / iters; }
      qsort(s, reps, sizeof(double), cmp);
      m[j] = reps % 2 ? s[reps / 2] : (s[reps / 2 - 1] + s[reps / 2]) / 2;
    }
    if (seq[k].base == seq_filler) filler = m[1];
    printf("%s\"%s\":%.4f", k ? "," : "", seq[k].name, m[0] - m[1]);
  }
  double ghz[16];
  int nr = reps < 16 ? reps : 16;
  clock_chain(iters / 10, 3, 5);
  for (int r = 0; r < nr; r++) { double t0 = now_ns(); uint32_t x = clock_chain(iters, 3, 5); ghz[r] = 8.0 * iters / (now_ns() - t0); __asm__ volatile("" ::"r"(x)); }
  qsort(ghz, nr, sizeof(double), cmp);
  printf("},\"clockGhz\":%.4f", nr % 2 ? ghz[nr / 2] : (ghz[nr / 2 - 1] + ghz[nr / 2]) / 2);
  /* The filler's own ops: 4 units of a load, a branch, a per-CPU RMW and a store. */
  printf(",\"fillerNs\":%.4f,\"fillerOps\":16}\n", filler);
  free(s);
  return 0;
}
