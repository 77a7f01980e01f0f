// One emulated CPU in the calling thread, without workers: for single-CPU benchmarks
// (Benchmark.js) and for embedders who want to call the module's exports directly.
// It blocks nothing and runs no command loop; the caller calls exports itself.
import { functionTableNames } from "./commands.js";
import { bootContext } from "./cpu.js";
import { layoutEnd, readLayout, type Layout } from "./layout.js";
import type { Build, Platform } from "./platform/types.js";

export interface LocalCpu {
  readonly layout: Layout;
  readonly memory: WebAssembly.Memory;
  readonly exports: WebAssembly.Exports;
  /** Table index of a probe_* function (as Machine.functionIndex). */
  functionIndex(name: string): number;
}

export async function createLocalCpu(platform: Platform, build: Build = "release"): Promise<LocalCpu> {
  platform.prepareEngine();
  const module = await WebAssembly.compile(await platform.loadWasm(build));
  const layout = readLayout(module);
  const pages = Math.ceil(layoutEnd(layout, 1) / layout.WASM_PAGE_SIZE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: layout.MAXIMUM_MEMORY_PAGES, shared: true });
  const u32 = new Uint32Array(memory.buffer);
  u32[layout.HDR_NR_CPUS >> 2] = 1;
  Atomics.store(u32, layout.HDR_MAGIC >> 2, layout.LAYOUT_MAGIC);
  const { exports } = bootContext({ role: "cpu", cpu: 0, module, memory, idle: false });
  const probes = functionTableNames(module);
  return {
    layout, memory, exports,
    functionIndex(name) {
      const i = probes.indexOf(name);
      if (i < 0) throw new Error(`no function '${name}' in the function table; expected one of: ${probes.join(", ")}`);
      return 1 + i;
    },
  };
}
