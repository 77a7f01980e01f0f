// The machine's one shared memory: sized from the layout for `cpus` CPUs plus the extra
// contexts, with the machine header written (layout version, CPU count, then the magic
// that cpu_init checks, stored last so that a context that sees it sees the rest).
import { layoutEnd, type Layout } from "../abi/layout.js";
import { exportedParams, type ArgSpec, type ValType } from "../abi/wasm-signatures.js";
import type { Build, Platform } from "../platform/types.js";

export function createMemory(layout: Layout, cpus: number): WebAssembly.Memory {
  const pages = Math.ceil(layoutEnd(layout, cpus) / layout.WASM_PAGE_SIZE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: layout.MAXIMUM_MEMORY_PAGES, shared: true });
  const u32 = new Uint32Array(memory.buffer);
  u32[layout.HDR_LAYOUT_VERSION >> 2] = layout.LAYOUT_VERSION;
  u32[layout.HDR_NR_CPUS >> 2] = cpus;
  Atomics.store(u32, layout.HDR_MAGIC >> 2, layout.LAYOUT_MAGIC); // pairs with cpu_init's READ_ONCE of the magic
  return memory;
}

/**
 * Compile the module of `build` with the platform's engine settings applied first; with the
 * parameter types of its exported functions (which the JS API does not expose).
 */
export async function compileModule(platform: Platform, build: Build): Promise<{ module: WebAssembly.Module; params: Map<string, readonly (ArgSpec | ValType)[]> }> {
  platform.prepareEngine();
  if (platform.compileWasm) {
    const { module, bytes } = await platform.compileWasm(build);
    return { module, params: exportedParams(bytes) };
  }
  const bytes = await platform.loadWasm(build);
  return { module: await WebAssembly.compile(bytes), params: exportedParams(bytes) };
}
