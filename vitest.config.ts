import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Each test file spawns CPU workers; on 2 cores, one file at a time keeps timings sane.
    fileParallelism: false,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
