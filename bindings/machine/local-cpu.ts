// One emulated CPU in the calling thread, without workers: for single-CPU benchmarks
// (Benchmark.js) and for embedders who want to call the module's exports directly.
// It blocks nothing and runs no command loop; the caller calls exports itself. The
// kernel's static initialisers (tracepoint_srcu_init) have run, as on a Machine.
import { readLayout, type Layout } from "../abi/layout.js";
import { bootContext, functionIndex, functionTableNames, type Exports } from "../worker/boot.js";
import type { Build, Platform } from "../platform/types.js";
import { compileModule, createMemory } from "./memory.js";

export interface LocalCpu {
  readonly layout: Layout;
  readonly memory: WebAssembly.Memory;
  readonly exports: Exports;
  /** Table index of a probe_* or cb_* function (as Machine.functionIndex). */
  functionIndex(name: string): number;
}

export async function createLocalCpu(platform: Platform, build: Build = "release"): Promise<LocalCpu> {
  const { module } = await compileModule(platform, build);
  const layout = readLayout(module);
  const memory = createMemory(layout, 1);
  const { exports } = bootContext({ role: "cpu", cpu: 0, module, memory, idle: false });
  exports.tracepoint_srcu_init();
  const names = functionTableNames(module);
  return { layout, memory, exports, functionIndex: (name) => functionIndex(names, name) };
}
