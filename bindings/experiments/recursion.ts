// The recursion lab from the host: the guards and scenarios by name, one
// scenario run (a single call into WebAssembly, assembly/recursion/scenarios.ts) and its
// counts read back from the lab's statistics. The table and its costs: recursion-table.ts.
import { globalName, type FaultName } from "../abi/constants.js";
import type { Layout } from "../abi/layout.js";
import type { LocalCpu } from "../machine/local-cpu.js";

export interface Guard {
  readonly name: string;
  /** The module's id global (GUARD_*), its measured loop, and the kernel code it follows. */
  readonly global: string;
  readonly loop: string;
  readonly standsFor: string;
}

const G = (name: string, standsFor: string): Guard => {
  const id = name.replace(/-/g, "_");
  return { name, global: `GUARD_${id.toUpperCase()}`, loop: `rec_guard_loop_${id}`, standsFor };
};

export const GUARDS: readonly Guard[] = [
  G("none", "no guard: recursion runs until the emulated stack (32 frames) overflows, counted as a crash"),
  G("bpf-prog-active", "trace_call_bpf() (kernel/trace/bpf_trace.c, v5.10.13): per-CPU bpf_prog_active, nothing in NMI"),
  G("ftrace-bits", "trace_test_and_set_recursion() (kernel/trace/trace.h, v5.10.13): per-task context bits, one retry through TRACE_TRANSITION_BIT"),
  G("perf-context", "get_recursion_context() (kernel/events/internal.h, v5.10.13): per-CPU counter per context level"),
  G("stack-flag", "proposal of 2020-03-10 (Desnoyers, not merged): one in_tracing flag per stack, traps share the interrupted stack's"),
  G("stack-flag-per-tracer", "the same proposal, one flag per tracer per stack: tracer A may trace tracer B"),
];

export interface Scenario {
  readonly name: string;
  readonly global: string;
  readonly what: string;
  /** Only with a second CPU to migrate to. */
  readonly needsOtherCpu?: boolean;
  readonly random?: boolean;
}

const S = (name: string, global: string, what: string, o: { needsOtherCpu?: boolean; random?: boolean } = {}): Scenario => ({ name, global, what, ...o });

export const SCENARIOS: readonly Scenario[] = [
  S("trap-pf", "SCEN_TRAP_PF", "A's probe takes a #PF each time it runs; the #PF handler hits a tracepoint A traces"),
  S("trap-db", "SCEN_TRAP_DB", "the same with a #DB (hardware breakpoint) and its handler's event"),
  S("irq-in-probe", "SCEN_IRQ_IN_PROBE", "an IRQ arrives while A's probe runs; the IRQ handler hits a tracepoint A traces"),
  S("irq-entry", "SCEN_IRQ_ENTRY", "the same, and A also traces irq_disable, hit by the v5.6 IRQ entry on the IRQ stack before irq_enter()"),
  S("nmi-in-irq", "SCEN_NMI_IN_IRQ", "an NMI inside an IRQ inside A's probe; each handler hits a tracepoint A traces"),
  S("irq-in-softirq", "SCEN_IRQ_IN_SOFTIRQ", "an IRQ while A's probe runs in a softirq: both on the CPU's IRQ stack"),
  S("patch-int3-v5.6", "SCEN_PATCH_INT3_V5_6", "A's probe runs a site text_poke_bp() is patching (int3 installed); v5.6 #BP: poke_int3_handler() calls bsearch(), whose mcount site is in the same batch"),
  S("patch-int3-noinstr", "SCEN_PATCH_INT3_NOINSTR", "the same with v5.10's noinstr #BP: the int3 is emulated, the new CALL reaches tracer B"),
  S("tracers-each-other", "SCEN_TRACERS_EACH_OTHER", "A's probe calls a function B traces, B's probe one A traces"),
  S("migrate-in-probe", "SCEN_MIGRATE", "A's probe is preempted and migrates to another CPU; another task hits the tracepoint twice meanwhile, then each once more", { needsOtherCpu: true }),
  S("preempt-in-probe", "SCEN_PREEMPT_IN_PROBE", "the same under migrate_disable(): A's probe is preempted and resumes on its CPU; the other task's two events come meanwhile"),
  S("patch-int3-traced", "SCEN_PATCH_INT3_TRACED", "A's probe runs a site being patched; the v5.6 #BP handler calls bsearch(), which A already traces: A's callback runs inside the trap"),
  S("random", "SCEN_RANDOM", "random steps from a seed: task events, IRQs, NMIs, softirqs, traps in probes, probes calling each other, text_poke_bp flips", { random: true }),
];

/** Counts of one guard x scenario run (assembly/recursion/lab.ts ST_*). */
export interface RecursionCounts {
  /** Probe calls made: legitimate ones (should record) and recursive ones (the tracer's own chain). */
  attemptsLegit: number;
  attemptsRecursive: number;
  /** Probe calls the guard let run, legitimate and recursive. */
  recorded: number;
  recordedLegit: number;
  /** Recursions the guard let through. */
  recordedRecursive: number;
  /** Legitimate nested events the guard dropped (another interrupt level, another task, another tracer). */
  lost: number;
  /** Recursive calls the guard stopped (the tracer's own probe on the synchronous chain). */
  stopped: number;
  /** Deepest emulated stack, in frames (probe calls, traps, interrupts). */
  maxDepth: number;
  /** Stack overflows (depth beyond the limit): the kernel would have died. */
  crashes: number;
  traps: number;
  interrupts: number;
  /** Guard words left non-zero after the run: an unbalanced guard that will keep dropping events. */
  leftover: number;
  /** Top-level steps (random scenario). */
  steps: number;
}

export function guard(name: string): Guard {
  const g = GUARDS.find((x) => x.name === name);
  if (!g) throw new RangeError(`unknown guard '${name}'; expected one of: ${GUARDS.map((x) => x.name).join(", ")}`);
  return g;
}

export function scenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new RangeError(`unknown scenario '${name}'; expected one of: ${SCENARIOS.map((x) => x.name).join(", ")}`);
  return s;
}

/** The module's id of a guard or scenario, checked against the order of the tables above. */
function moduleId(layout: Layout, global: string, index: number, what: string): number {
  const v = layout[global];
  if (v !== index) throw new Error(`${global} is ${v} in the module; bindings/experiments/recursion.ts lists ${what} in another order (expected ${index}); rebuild or fix the table`);
  return v;
}

export interface ScenarioRunOptions {
  /** The guard of tracer B (default: the same as A's). */
  guardB?: string;
  seed?: number;
  /** Random scenario: top-level steps; patch scenarios: the text_poke_bp window step (0 before, 1-2 int3, 3 after). */
  arg?: number;
}

/** Statistics of the lab of context 0 of `cpu`, read from the shared memory. */
export function readCounts(cpu: LocalCpu): RecursionCounts {
  const L = cpu.layout;
  const u32 = new Uint32Array(cpu.memory.buffer, L.PERCPU_BASE + L.PCPU_REC_LAB + L.RL_STATS, L.NR_REC_STATS);
  const st = (k: string) => u32[L[`ST_${k}`]];
  return {
    attemptsLegit: st("ATTEMPTS_LEGIT"), attemptsRecursive: st("ATTEMPTS_RECURSIVE"),
    recorded: st("RECORDED_LEGIT") + st("RECORDED_RECURSIVE"), recordedLegit: st("RECORDED_LEGIT"), recordedRecursive: st("RECORDED_RECURSIVE"),
    lost: st("LOST"), stopped: st("STOPPED"), maxDepth: st("MAX_DEPTH"), crashes: st("CRASHES"), traps: st("TRAPS"),
    interrupts: st("INTERRUPTS"), leftover: st("LEFTOVER"), steps: st("TOP"),
  };
}

/**
 * Run scenario `scenarioName` with tracer A on guard `guardName` on local CPU `cpu` (context 0;
 * a migrating task goes to context 1, which a local CPU leaves unused). One call into WebAssembly.
 */
export function runScenario(cpu: LocalCpu, scenarioName: string, guardName: string, o: ScenarioRunOptions = {}): RecursionCounts {
  const L = cpu.layout;
  const gi = GUARDS.indexOf(guard(guardName)), gbi = GUARDS.indexOf(guard(o.guardB ?? guardName));
  const s = scenario(scenarioName);
  const si = moduleId(L, s.global, SCENARIOS.indexOf(s), "scenarios");
  moduleId(L, GUARDS[gi].global, gi, "guards");
  moduleId(L, GUARDS[gbi].global, gbi, "guards");
  const seed = o.seed ?? 1;
  const arg = o.arg ?? (s.random ? 2000 : 1);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in 0..4294967295; got ${seed}`);
  if (!Number.isInteger(arg) || arg < 0 || arg > 1_000_000) throw new RangeError(`arg (random steps, or the patch window step) must be an integer in 0..1000000; got ${arg}`);
  const rc = cpu.exports.rec_scenario_run(si, gi, gbi, 1, seed, arg);
  if (rc !== 0) throw new Error(`rec_scenario_run(${scenarioName}) returned ${rc}: ${rc === 1 ? "it needs a second CPU to migrate to" : "unknown scenario"}`);
  return readCounts(cpu);
}

/** Turn deliberately broken mechanisms on (or, with [], off) in a local CPU's memory, as Machine.setFaults does. */
export function setLabFaults(cpu: LocalCpu, faults: readonly FaultName[]): void {
  const L = cpu.layout;
  new Uint32Array(cpu.memory.buffer)[L.RCU_FAULTS >> 2] = faults.reduce((bits, f) => bits | L[globalName("FAULT", f)], 0);
}
