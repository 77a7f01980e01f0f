// The build's asc transform that keeps the probe calls real calls (scripts/build.mjs).
// Readers call the known probes directly (assembly/tracepoint/probe_call.ts); Binaryen
// would inline them at -O3, and the emulated probe call would then execute no call at all.

/**
 * The functions the emulator must really call: the probes that readers call directly
 * (assembly/tracepoint/probe_call.ts). The kernel's probe call is a call and a return; an
 * inlined empty probe would cost nothing, and a strategy would measure cheaper than the
 * kernel by skipping that work (docs/performance.md).
 */
export const NO_INLINE_FUNCTIONS = ["probe_empty", "probe_count"];

/**
 * An asc transform class: after compiling, before asc's optimizer runs, mark each function
 * named `names` (the last part of its internal name, e.g. "probe_empty" for
 * assembly/tracepoint/probes/probe_empty) no-inline with Binaryen's no-inline pass. Fails
 * the build when a name matches no function or more than one.
 */
export function keepCalls(names) {
  return class KeepCalls {
    afterCompile(module) {
      for (const name of names) {
        const found = [];
        for (let i = 0; i < module.getNumFunctions(); i++) {
          const f = this.binaryen.getFunctionInfo(module.getFunctionByIndex(i)).name;
          if (f.endsWith(`/${name}`)) found.push(f);
        }
        if (found.length !== 1) throw new Error(`no-inline: '${name}' names ${found.length} functions (${found.join(", ")}), expected 1`);
        this.binaryen.setPassArgument("no-inline", found[0]);
        module.runPasses(["no-inline"]);
      }
      this.binaryen.setPassArgument("no-inline", null);
    }
  };
}

/** The build's transform: the probes stay called. */
export const KeepProbeCalls = keepCalls(NO_INLINE_FUNCTIONS);
