// One emulated CPU: the code a CPU worker runs. It instantiates the module over the
// shared memory with its own function table, binds the instance to its CPU id
// (cpu_init), then serves its mailbox: it blocks in JavaScript (Atomics.wait), never
// inside WebAssembly, and calls into WebAssembly once per command.
import { CMD_EXIT, commandTable, functionTableNames } from "./commands.js";
import { CPU_COMMANDS, type CpuCommandContext } from "./cpu-commands.js";
import { JS_COMMANDS, type JsLoopContext } from "./jsloops.js";
import { readLayout, type Layout } from "./layout.js";
import type { ContextInit } from "./platform/types.js";

const BARRIER_SPINS = 100_000;
const BARRIER_TIMEOUT_MS = 30_000;

type Fn = (...args: number[]) => number | bigint | void;

/** Instantiate this context's module instance and bind it to its CPU id (context id). */
export function bootContext(init: ContextInit): { layout: Layout; exports: WebAssembly.Exports; table: WebAssembly.Table } {
  const { cpu, module, memory } = init;
  const layout = readLayout(module);
  const probes = functionTableNames(module);
  const table = new WebAssembly.Table({ initial: 1 + probes.length, element: "anyfunc" });
  const hostProbe = init.hostProbe ?? (() => {});
  const { exports } = new WebAssembly.Instance(module, { env: { memory, table, host_probe: hostProbe } });
  probes.forEach((name, i) => table.set(1 + i, exports[name] as Fn));
  const rc = (exports.cpu_init as Fn)(cpu);
  if (rc !== 0) throw new Error(`cpu_init(${cpu}) returned ${rc}: the shared memory has no machine header`);
  return { layout, exports, table };
}

/** Instantiate this CPU's module instance, bind it to the CPU, and return its command loop. */
export function bootCpu(init: ContextInit): { layout: Layout; exports: WebAssembly.Exports; run: () => void } {
  const { cpu, module, memory } = init;
  const { layout, exports } = bootContext(init);
  const commands = commandTable(module);
  const i32 = new Int32Array(memory.buffer);
  const f64 = new Float64Array(memory.buffer);
  const u8 = new Uint8Array(memory.buffer);
  const mb = layout.MAILBOX_BASE + cpu * layout.MAILBOX_STRIDE;
  const at32 = (off: number) => (mb + off) >> 2;
  const at64 = (off: number) => (mb + off) >> 3;
  const ctx: JsLoopContext & CpuCommandContext = { i32, layout, cpu, exports };
  const x = exports as Record<string, Fn>;

  function startBarrier(n: number): void {
    const k = layout.HDR_BARRIER_ARRIVED >> 2;
    Atomics.add(i32, k, 1);
    const deadline = Date.now() + BARRIER_TIMEOUT_MS;
    for (let spins = 0; Atomics.load(i32, k) < n; spins++) {
      if (spins > BARRIER_SPINS) {
        if (Date.now() > deadline) throw new Error(`start barrier: ${Atomics.load(i32, k)} of ${n} CPUs arrived within ${BARRIER_TIMEOUT_MS} ms`);
        Atomics.wait(i32, k, Atomics.load(i32, k), 1);
      }
    }
  }

  function execute(cmd: number): { value: number; elapsedNs: number } {
    const name = commands.name(cmd);
    if (name === undefined) throw new Error(`unknown command number ${cmd}`);
    const args: number[] = [];
    for (let i = 0; i < layout.MB_NR_ARGS; i++) args.push(f64[at64(layout.MB_ARGS + 8 * i)]);
    const barrierN = i32[at32(layout.MB_BARRIER_N)];
    if (barrierN > 0) startBarrier(barrierN);
    const js = JS_COMMANDS[name] ?? CPU_COMMANDS[name];
    const wasm = exports[name] as Fn | undefined;
    const t0 = performance.now();
    const r = js ? js(ctx, args) : wasm!(...args.slice(0, wasm!.length));
    const t1 = performance.now();
    return { value: typeof r === "bigint" ? Number(r) : (r ?? 0), elapsedNs: (t1 - t0) * 1e6 };
  }

  function reportError(e: unknown): void {
    const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const bytes = new TextEncoder().encode(text).subarray(0, layout.MB_ERR_TEXT_SIZE);
    u8.set(bytes, mb + layout.MB_ERR_TEXT);
    i32[at32(layout.MB_ERR_LEN)] = bytes.length;
    i32[at32(layout.MB_STATUS)] = 1;
  }

  // Between commands a CPU with nothing held runs the idle loop (rcu_idle_enter), as a
  // CPU with nothing to run does; with init.idle false it stays in task context.
  let idle = false;
  function run(): void {
    let seen = Atomics.load(i32, at32(layout.MB_ACK_SEQ));
    for (;;) {
      const seq = Atomics.load(i32, at32(layout.MB_REQ_SEQ));
      if (seq === seen) {
        if (init.idle && !idle && x.idle_loop_possible() === 1) {
          x.idle_loop_enter();
          idle = true;
        }
        Atomics.wait(i32, at32(layout.MB_REQ_SEQ), seen);
        continue;
      }
      seen = seq;
      if (idle) {
        x.idle_loop_exit();
        idle = false;
      }
      const cmd = Atomics.load(i32, at32(layout.MB_CMD));
      i32[at32(layout.MB_STATUS)] = 0;
      let exit = false;
      if (cmd === CMD_EXIT) exit = true;
      else {
        try {
          const { value, elapsedNs } = execute(cmd);
          f64[at64(layout.MB_RESULT)] = value;
          f64[at64(layout.MB_ELAPSED_NS)] = elapsedNs;
        } catch (e) {
          reportError(e);
        }
      }
      Atomics.store(i32, at32(layout.MB_ACK_SEQ), seq);
      Atomics.notify(i32, at32(layout.MB_ACK_SEQ));
      if (exit) return;
    }
  }

  return { layout, exports, run };
}
