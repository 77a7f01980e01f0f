// The browser platform: one module Web Worker per CPU, the .wasm fetched and compiled with
// WebAssembly.compileStreaming. The page must be cross-origin isolated (SharedArrayBuffer);
// browserSupport() says in words what is missing. The main thread never blocks: the machine
// waits with Atomics.waitAsync and deadlines (abi/futex.ts, abi/mailbox.ts).
//
// Liftoff: a page cannot pass --no-liftoff, so prepareEngine() does nothing here. What
// keeps the page safe from Node 20's Liftoff-after-wait miscompile is that the module never
// waits inside WebAssembly (scripts/wasm-check.mjs rejects memory.atomic.wait in every build,
// and the static site build checks the copies it ships); workers wait in JavaScript.
import type { Build, ContextInit, CpuWorkerHandle, Platform } from "./types.js";
import { workerLife } from "./worker-life.js";

/** Where the builds sit relative to this file (dist/bindings/platform/ -> the package root). */
const BUILD_FILES: Record<Build, string> = {
  release: "../../../build/rcu-lab.wasm",
  counting: "../../../build/rcu-lab.counting.wasm",
  tracing: "../../../build/rcu-lab.tracing.wasm",
  // The explorer's build (rcu-lab explore runs in Node); `npm run build:site` does not ship it.
  stepping: "../../../build/rcu-lab.stepping.wasm",
};

export interface BrowserPlatformOptions {
  /** URL of each build's .wasm (default: build/ of the package root, relative to this module). */
  wasmUrl?: Partial<Record<Build, string | URL>>;
  /** URL of the worker entry (default: browser-worker.js beside this module). */
  workerUrl?: string | URL;
}

/** What this browser lacks to run the machine, in words; empty when nothing is missing. */
export function browserSupport(): string[] {
  const g = globalThis as { crossOriginIsolated?: boolean; SharedArrayBuffer?: unknown; Worker?: unknown };
  const missing: string[] = [];
  if (g.crossOriginIsolated !== true) missing.push("cross-origin isolation (crossOriginIsolated is not true: the page was served without Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)");
  if (typeof g.SharedArrayBuffer !== "function") missing.push("SharedArrayBuffer (shared memory between the CPU workers)");
  if (typeof (Atomics as { waitAsync?: unknown }).waitAsync !== "function") missing.push("Atomics.waitAsync (the page waits for its CPUs without blocking)");
  if (typeof g.Worker !== "function") missing.push("Web Workers");
  if (typeof WebAssembly !== "object" || typeof WebAssembly.compileStreaming !== "function") missing.push("WebAssembly.compileStreaming");
  return missing;
}

export function browserPlatform(o: BrowserPlatformOptions = {}): Platform {
  const wasmUrl = (build: Build) => new URL(o.wasmUrl?.[build] ?? BUILD_FILES[build], import.meta.url);
  const workerUrl = new URL(o.workerUrl ?? "./browser-worker.js", import.meta.url);

  async function fetchBuild(build: Build): Promise<Response> {
    const url = wasmUrl(build);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`cannot load the ${build} build from ${url} (HTTP ${res.status} ${res.statusText}); build it with npm run build and serve the package root`);
    return res;
  }

  return {
    name: "browser",

    /** Nothing to set: a page cannot choose V8's tiers (see the Liftoff note at the top). */
    prepareEngine() {},

    async loadWasm(build) {
      return new Uint8Array(await (await fetchBuild(build)).arrayBuffer());
    },

    /**
     * Compile while the bytes arrive (compileStreaming needs Content-Type: application/wasm;
     * a host that sends another type gets a plain compile of the same bytes). The bytes are
     * kept too: the exports' parameter types are read from them (abi/wasm-signatures.ts).
     */
    async compileWasm(build) {
      const res = await fetchBuild(build);
      const copy = res.clone();
      const streaming = (res.headers.get("content-type") ?? "").split(";")[0].trim() === "application/wasm";
      const bytesP = copy.arrayBuffer().then((b) => new Uint8Array(b));
      const module = streaming ? await WebAssembly.compileStreaming(res) : await WebAssembly.compile(await bytesP);
      return { module, bytes: await bytesP };
    },

    startContext(init: ContextInit): CpuWorkerHandle {
      const worker = new Worker(workerUrl, { type: "module", name: init.role === "cpu" ? `cpu${init.cpu}` : "rcu_gp_kthread" });
      const { who, ready, readyNow, die, onDeath } = workerLife(init);
      worker.onmessage = (e: MessageEvent<{ type: string; message?: string }>) => {
        if (e.data.type === "ready") readyNow();
        else if (e.data.type === "fatal") die(`${who} worker failed: ${e.data.message}`);
        else if (e.data.type === "exit") die(`${who} worker exited`);
      };
      // A worker script that cannot load (blocked by COEP, a 404, a non-JavaScript content
      // type) fires an error event with no message: say what to check.
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        die(e.message ? `${who} worker threw: ${e.message}` : `${who} worker could not start: its script ${workerUrl} did not load (check that it is served with a JavaScript content type and the COOP/COEP headers)`);
      };
      worker.onmessageerror = () => die(`${who} worker could not receive its init message (a shared WebAssembly.Memory needs a cross-origin-isolated page)`);
      worker.postMessage(init);
      let terminated: Promise<void> | undefined;
      return {
        ready,
        onDeath,
        terminate() {
          terminated ??= Promise.resolve().then(() => {
            worker.terminate();
            die(`${who} worker terminated`);
          });
          return terminated;
        },
      };
    },

    cores() {
      const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
      return typeof n === "number" && n > 0 ? n : 1;
    },
  };
}
