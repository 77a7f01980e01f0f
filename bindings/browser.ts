// rcu-lab's public API for browsers (the package's `browser` export condition): the same
// API as index.ts, plus the browser platform, which Machine.create needs as
// `options.platform` outside Node: Machine.create({ cpus: 2, platform: browserPlatform() }).
// The page in site/ is its user; docs/architecture.md "The browser" says how it runs.
export * from "./index.js";
export { browserPlatform, browserSupport, type BrowserPlatformOptions } from "./platform/browser.js";
/** Where the shipped cost profile and safety table are, relative to the package's dist/: a page fetches them. */
export { SHIPPED_PROFILE_URL } from "./experiments/costs.js";
