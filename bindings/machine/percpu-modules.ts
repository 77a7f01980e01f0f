// One module per CPU worker, specialised for that CPU (bindings/abi/percpu-template.ts,
// docs/performance.md "per-CPU constants"): only for the release (timed) build, and only
// where the platform provides the template; otherwise every CPU runs the release module.
// Compiled modules are cached per platform and CPU id: a process that creates many machines
// compiles each CPU's module once (the template is read again each time, and a template that
// changed, e.g. rebuilt, empties the cache).
import { perCpuAddr, type Layout } from "../abi/layout.js";
import { specialisePercpu } from "../abi/percpu-template.js";
import type { Build, Platform } from "../platform/types.js";

interface PlatformCache {
  template: Uint8Array;
  modules: Map<number, Promise<WebAssembly.Module>>;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const caches = new WeakMap<Platform, PlatformCache>();

/** Milliseconds each CPU's specialisation (patch + compile) took, for the bench's report. */
export const percpuCompileMs = new Map<number, number>();

/**
 * The modules of CPUs 0..cpus-1: each specialised for its CPU, or undefined when this build
 * or platform has no template (the caller then gives every CPU the release module).
 */
export async function percpuModules(platform: Platform, build: Build, layout: Layout, cpus: number): Promise<WebAssembly.Module[] | undefined> {
  if (build !== "release" || !platform.loadPercpuTemplate) return undefined;
  const template = await platform.loadPercpuTemplate();
  if (!template) return undefined;
  let cache = caches.get(platform);
  if (!cache || !sameBytes(cache.template, template)) {
    cache = { template, modules: new Map() };
    caches.set(platform, cache);
  }
  const modules: Promise<WebAssembly.Module>[] = [];
  for (let cpu = 0; cpu < cpus; cpu++) {
    let m = cache.modules.get(cpu);
    if (!m) {
      const t0 = performance.now();
      m = WebAssembly.compile(specialisePercpu(template, cpu, perCpuAddr(layout, cpu, 0))).then((mod) => {
        percpuCompileMs.set(cpu, performance.now() - t0);
        return mod;
      });
      cache.modules.set(cpu, m);
    }
    modules.push(m);
  }
  return Promise.all(modules);
}
