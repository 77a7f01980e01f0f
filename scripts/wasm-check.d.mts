export declare const ALLOWED_IMPORTS: { module: string; name: string; kind: string }[];
export declare function checkWasm(bytes: Uint8Array | ArrayBuffer, opts?: { allowedImports?: typeof ALLOWED_IMPORTS }): string[];
export declare function wasmToText(bytes: Uint8Array): string;
export declare function textToWasm(wat: string): Uint8Array;
export declare const STEPPING_ALLOWED_IMPORTS: { module: string; name: string; kind: string }[];
