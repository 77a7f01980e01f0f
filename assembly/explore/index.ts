// Entry of the stepping build (scripts/build.mjs): the whole module of assembly/index.ts
// plus the explorer's small kernels. The release and counting builds do not contain them.
export * from "../index";
export * from "./programs";
