// What the machine needs from its host platform. Node's implementation is in node.ts,
// a browser's (module Web Workers) in browser.ts. Nothing outside platform/
// imports a `node:` module.

/** release: timed; counting: exact op counts; tracing: timeline events in the per-CPU rings; stepping: the explorer's (docs/explorer.md). */
export type Build = "release" | "counting" | "tracing" | "stepping";

/** The first message a worker receives: which context it plays. */
export interface ContextInit {
  /** "cpu": an emulated CPU serving its mailbox; "kthread": the grace-period kthread. */
  readonly role: "cpu" | "kthread";
  /** Context id: the CPU number, or the kthread's context (= number of CPUs). */
  readonly cpu: number;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** CPUs: run the idle loop between commands. */
  readonly idle: boolean;
  /** The JavaScript behind the `host` probe (set by the worker itself; not cloned). */
  readonly hostProbe?: (data: number, arg: number) => void;
}

/** The worker as the host sees it. */
export interface CpuWorkerHandle {
  /** Resolves when the CPU has instantiated its module and entered its command loop. */
  readonly ready: Promise<void>;
  /** Called once if the worker dies outside a command (uncaught error or exit). */
  onDeath(cb: (reason: string) => void): void;
  terminate(): Promise<void>;
}

export interface Platform {
  readonly name: string;
  /** Engine settings that must precede compilation (Node: TurboFan only). */
  prepareEngine(): void;
  loadWasm(build: Build): Promise<Uint8Array<ArrayBuffer>>;
  /**
   * Optional: compile the build itself (a browser streams it: WebAssembly.compileStreaming),
   * returning the bytes too (the exports' parameter types are read from them). Without it
   * the machine compiles loadWasm()'s bytes.
   */
  compileWasm?(build: Build): Promise<{ module: WebAssembly.Module; bytes: Uint8Array<ArrayBuffer> }>;
  /**
   * Optional: the release build's per-CPU template (build/rcu-lab.percpu.wasm,
   * bindings/abi/percpu-template.ts), from which the machine compiles one module per CPU
   * worker. Without it (or when it resolves to undefined) every CPU runs the release module.
   */
  loadPercpuTemplate?(): Promise<Uint8Array<ArrayBuffer> | undefined>;
  startContext(init: ContextInit): CpuWorkerHandle;
  /** Cores available to this process. */
  cores(): number;
}
