// One module per CPU worker, specialised for that CPU (bindings/abi/percpu-template.ts,
// docs/performance.md "per-CPU constants"): only for the release (timed) build, and only
// where the platform provides the template; otherwise every CPU runs the release module.
// Compiled modules are cached per platform and CPU id: a process that creates many machines
// compiles each CPU's module once (the template is read again each time, and a template that
// changed, e.g. rebuilt, empties the cache). A machine created as a code instance
// (MachineOptions.codeInstance) compiles its own copies instead (abi/code-instance.ts).
import { perCpuAddr, type Layout } from "../abi/layout.js";
import { withCodeInstance } from "../abi/code-instance.js";
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

/** MachineOptions.codeInstance: a non-negative integer, for the release build only. */
export function checkCodeInstance(instance: unknown, build: Build): void {
  if (instance === undefined) return;
  if (typeof instance !== "number" || !Number.isInteger(instance) || instance < 0) throw new RangeError(`codeInstance must be a non-negative integer; got ${String(instance)}`);
  if (build !== "release") throw new RangeError(`codeInstance applies to the release (timed) build only; got build "${build}"`);
}

/**
 * The modules of CPUs 0..cpus-1: each specialised for its CPU, or undefined when this build
 * or platform has no template (the caller then gives every CPU the release module). With
 * `instance`, each is compiled anew as that code instance, never taken from or put in the
 * cache; without a template every CPU then gets one fresh copy of the release module.
 */
export async function percpuModules(platform: Platform, build: Build, layout: Layout, cpus: number, instance?: number): Promise<WebAssembly.Module[] | undefined> {
  const template = build === "release" && platform.loadPercpuTemplate ? await platform.loadPercpuTemplate() : undefined;
  if (!template) {
    if (instance === undefined) return undefined;
    const module = await WebAssembly.compile(withCodeInstance(await platform.loadWasm(build), instance));
    return Array.from({ length: cpus }, () => module);
  }
  if (instance !== undefined) {
    const fresh: Promise<WebAssembly.Module>[] = [];
    for (let cpu = 0; cpu < cpus; cpu++) fresh.push(WebAssembly.compile(withCodeInstance(specialisePercpu(template, cpu, perCpuAddr(layout, cpu, 0)), instance)));
    return Promise.all(fresh);
  }
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
