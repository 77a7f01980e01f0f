// rcu-lab's public API for browsers (the package's `browser` export condition): the same
// API as index.ts, plus the browser platform, which Machine.create needs as
// `options.platform` outside Node: Machine.create({ cpus: 2, platform: browserPlatform() }).
// The page in site/ is its user; README "In a browser" says how it runs.
export * from "./index.js";
export { browserPlatform, browserSupport, type BrowserPlatformOptions } from "./platform/browser.js";
/** The shipped cost profile (a page fetches it; SHIPPED_SAFETY_URL, the safety table, comes with index.ts). */
export { SHIPPED_PROFILE_URL } from "./experiments/costs.js";
