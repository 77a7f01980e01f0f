export declare const NO_INLINE_FUNCTIONS: string[];
export declare function keepCalls(names: readonly string[]): new () => { afterCompile(module: unknown): void };
export declare const KeepProbeCalls: new () => { afterCompile(module: unknown): void };
