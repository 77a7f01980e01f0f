// The page in a browser: Debian's Chromium (/usr/bin/chromium, never a downloaded one)
// driven by playwright-core. Served by `rcu-lab serve` (cross-origin isolated), it must
// run the quick comparison to the end with the same op counts as Node and the same JSON
// shape as `rcu-lab bench --json`; served without the headers it must say so in words;
// the static build must isolate itself through its service worker.
// CI (.ci/run) installs chromium; without it these tests fail under CI and are skipped,
// with a message, elsewhere.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Machine, STRATEGIES, defineBenchTracepoints, opCountsPerCall, parseProfile, parseSafety, runStrategyBench, strategy, type StrategyReport } from "../dist/bindings/index.js";
import { startServer, type Server } from "../dist/bindings/cli/serve.js";
import { checkWasm, textToWasm } from "../scripts/wasm-check.mjs";
import { LIFTOFF_WAT, countWrongSums } from "./fixtures/liftoff-wat.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CHROMIUM = "/usr/bin/chromium";
const outDir = path.join(root, "test-output");
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium && !process.env.CI) {
  process.stderr.write(`\ntest/browser.test.ts: SKIPPED, ${CHROMIUM} is missing (install Debian's chromium: apt-get install -y chromium; CI fails instead)\n\n`);
}

/** The launch flags of docs: no sandbox as root, no GPU, no background connections (the network is closed). */
const FLAGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Wait for <html data-state> to become done or error, across the service worker's reload. */
async function finalState(page: Page, ms = 100_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const s = await page.evaluate(() => document.documentElement.dataset.state).catch(() => undefined); // undefined: mid-navigation
    if (s === "done" || s === "error") return s;
    if (Date.now() - t0 > ms) throw new Error(`the page did not finish within ${ms} ms (data-state ${s}); ${await page.locator("#progress-text").textContent().catch(() => "")}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Console errors and uncaught exceptions of a page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && errors.push(`console: ${m.text()}`)));
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  return errors;
}

/** The nested key structure of a JSON value: arrays by their first element. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, shape(x)]));
  return v === null ? "null-or-value" : typeof v === "boolean" ? "null-or-value" : typeof v;
}

describe("rcu-lab serve (no browser needed)", () => {
  it("prints its URL and sends COOP/COEP with every response, JavaScript for scripts, wasm for the builds; nothing outside what the page reads", async () => {
    const child = spawn(process.execPath, [path.join(root, "dist/bindings/cli/main.js"), "serve", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          const m = /open (http:\/\/127\.0\.0\.1:\d+\/site\/)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on("exit", (code) => reject(new Error(`rcu-lab serve exited (${code}): ${out}`)));
      });
      const origin = new URL(url).origin;
      const get = (p: string) => fetch(`${origin}${p}`, { redirect: "manual" });
      for (const [p, status, type] of [
        ["/", 302, /^text\/plain/], ["/site/", 200, /^text\/html/], ["/site/app.js", 200, /^text\/javascript/],
        ["/dist/bindings/platform/browser-worker.js", 200, /^text\/javascript/], ["/build/rcu-lab.wasm", 200, /^application\/wasm$/],
        ["/package.json", 404, /^text\/plain/], ["/site/%2e%2e/package.json", 404, /^text\/plain/], ["/favicon.ico", 204, /^text\/plain/],
      ] as const) {
        const r = await get(p);
        expect([p, r.status]).toEqual([p, status]);
        expect(r.headers.get("content-type"), p).toMatch(type);
        expect(r.headers.get("cross-origin-opener-policy"), p).toBe("same-origin");
        expect(r.headers.get("cross-origin-embedder-policy"), p).toBe("require-corp");
      }
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("broken variant: with isolation: false the headers are absent (what the page's not-isolated test relies on)", async () => {
    const s = await startServer({ port: 0, isolation: false });
    try {
      const r = await fetch(s.url);
      expect(r.status).toBe(200);
      expect(r.headers.get("cross-origin-opener-policy")).toBeNull();
      expect(r.headers.get("cross-origin-embedder-policy")).toBeNull();
    } finally {
      await s.close();
    }
  });
});

describe("the browser entry (dist/bindings/browser.js)", () => {
  it("exports index.ts's API but for the Node-only exports it names, plus the browser platform", async () => {
    const node = await import("../dist/bindings/index.js");
    const web = await import("../dist/bindings/browser.js");
    const nodeOnly = Object.keys(web.NODE_ONLY_EXPORTS);
    expect(Object.keys(node).filter((k) => !(k in web)).sort(), "add it to bindings/browser.ts, or to NODE_ONLY_EXPORTS with why").toEqual(nodeOnly.sort());
    for (const k of ["browserPlatform", "browserSupport", "SHIPPED_PROFILE_URL"]) expect(web).toHaveProperty(k);
  });

  it("build:site refuses a bare import in the page's module graph (broken variant: a copy of the graph with one added)", () => {
    fs.mkdirSync(outDir, { recursive: true });
    const fake = fs.mkdtempSync(path.join(outDir, "bare-"));
    try {
      fs.cpSync(path.join(root, "dist/bindings"), path.join(fake, "dist/bindings"), { recursive: true });
      fs.cpSync(path.join(root, "scripts"), path.join(fake, "scripts"), { recursive: true });
      fs.appendFileSync(path.join(fake, "dist/bindings/browser.js"), '\nexport { default as Table } from "cli-table3";\n');
      fs.symlinkSync(path.join(root, "node_modules"), path.join(fake, "node_modules"));
      const r = spawnSync(process.execPath, [path.join(fake, "scripts/build-site.mjs"), "--out", path.join(fake, "out")], { encoding: "utf8" });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/dist\/bindings\/browser\.js imports 'cli-table3': a page resolves only relative module paths/);
    } finally {
      fs.rmSync(fake, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!haveChromium && !process.env.CI)("the comparison page in headless Chromium", () => {
  let browser: Browser;
  const servers: Server[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium (.ci/run: apt-get install -y chromium); these tests never download a browser`);
    fs.mkdirSync(outDir, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, chromiumSandbox: false });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  it("rcu-lab serve: cross-origin isolated, every strategy row, Node's op counts, the CLI's JSON shape, no console error", async () => {
    const server = await startServer({ port: 0 });
    servers.push(server);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, permissions: ["clipboard-read", "clipboard-write"] });
    const errors = watchErrors(page);
    const workerHeaders: Record<string, string>[] = [];
    page.on("response", (r) => void (r.url().endsWith("/browser-worker.js") && workerHeaders.push(r.headers())));
    await page.goto(`${server.url}?quick=1`);
    const state = await finalState(page);
    expect(state, await page.locator("#error-text").textContent()).toBe("done");
    await page.screenshot({ path: path.join(outDir, "browser-page.png"), fullPage: true });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // Every worker script came with the headers and a JavaScript content type.
    expect(workerHeaders.length).toBeGreaterThan(0);
    for (const h of workerHeaders) {
      expect(h["cross-origin-opener-policy"]).toBe("same-origin");
      expect(h["cross-origin-embedder-policy"]).toBe("require-corp");
      expect(h["content-type"]).toMatch(/^text\/javascript/);
    }
    const result = (await page.evaluate(() => (window as unknown as { rcuLab: { result: StrategyReport } }).rcuLab.result)) as StrategyReport;
    expect(result.schema).toBe("rcu-lab/bench@1");
    // "copy JSON" puts that document on the clipboard.
    await page.click("#copy-json");
    await page.waitForFunction(() => document.getElementById("copy-status")!.textContent !== "");
    expect(await page.locator("#copy-status").textContent()).toBe("copied");
    expect(JSON.parse(await page.evaluate(() => navigator.clipboard.readText()))).toEqual(result);
    for (const s of STRATEGIES) {
      for (const ctx of ["task", "idle"]) {
        expect(await page.locator(`#table tr[data-strategy="${s.name}"][data-context="${ctx}"]`).count(), `${s.name} ${ctx} row`).toBe(1);
        expect(await page.locator(`#chart .mark[data-strategy="${s.name}"][data-context="${ctx}"]`).count(), `${s.name} ${ctx} chart mark`).toBe(1);
      }
    }
    expect(result.rows.length).toBe(STRATEGIES.length * 2 * (result.cpus > 1 ? 2 : 1)); // x contexts x scopes, one probe count
    // The torture ran to its verdicts: the legal strategy PASSes, plain from idle FAILs.
    expect(await page.locator('.verdict[data-strategy="rcuidle-srcu-irq"]').getAttribute("data-verdict")).toBe("PASS");
    expect(await page.locator('.verdict[data-strategy="plain"]').getAttribute("data-verdict")).toBe("FAIL");

    // Op counts: the same as a counting machine's under Node, row by row.
    const counting = await Machine.create({ cpus: 1, build: "counting" });
    try {
      const tps = defineBenchTracepoints(counting);
      for (const row of result.rows) {
        expect(row.ops, `${row.strategy} ${row.context} ${row.probes}`).toEqual(await opCountsPerCall(counting, strategy(row.strategy), row.context, tps[row.probes]));
      }
    } finally {
      await counting.close();
    }
    // The same document shape as rcu-lab bench --json (the same code: runStrategyBench).
    const profile = parseProfile(fs.readFileSync(path.join(root, "profiles/amd-epyc-zen5-2vcpu.json"), "utf8"), "profile");
    const m = await Machine.create({ cpus: 1 }), c = await Machine.create({ cpus: 1, build: "counting" });
    try {
      const safety = parseSafety(JSON.parse(fs.readFileSync(path.join(root, "results/safety.json"), "utf8")), "results/safety.json");
      const node = await runStrategyBench(m, c, profile, { strategies: ["plain"], contexts: ["task"], probes: [1], iterations: 1000, reps: 1, safety });
      // The clock's warning is null on a steady clock, a string otherwise; ordering changes need more than node's one row.
      const comparable = (r: StrategyReport) => ({
        ...r, rows: r.rows.slice(0, 1), clock: { ...r.clock, warning: "string or null" }, sensitivity: r.sensitivity.map((x) => ({ ...x, changes: [] })),
      });
      expect(shape(comparable(result))).toEqual(shape(comparable(node)));
    } finally {
      await Promise.all([m.close(), c.close()]);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("served without the headers: the page says in plain words that it is not isolated and how to fix it", async () => {
    const server = await startServer({ port: 0, isolation: false });
    servers.push(server);
    const page = await browser.newPage();
    await page.goto(`${server.url}?quick=1`);
    expect(await finalState(page, 30_000)).toBe("error");
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(await page.evaluate(() => document.documentElement.dataset.error)).toBe("isolation");
    const notice = page.locator("#isolation");
    expect(await notice.isVisible()).toBe(true);
    const text = await notice.innerText();
    expect(text).toMatch(/not cross-origin isolated|cross-origin isolated, and this one is not/);
    expect(text).toContain("npx rcu-lab serve");
    expect(text).toContain("Cross-Origin-Embedder-Policy: require-corp");
    expect(text).toContain("npm run build:site");
    expect(await page.locator("#results").isVisible()).toBe(false);
    await page.screenshot({ path: path.join(outDir, "browser-not-isolated.png") });
    await page.close();
  });

  it("an old browser (no Atomics.waitAsync, simulated) on an isolated page: the page names what is missing", async () => {
    const server = await startServer({ port: 0 });
    servers.push(server);
    const page = await browser.newPage();
    await page.addInitScript(() => delete (Atomics as { waitAsync?: unknown }).waitAsync);
    await page.goto(`${server.url}?quick=1`);
    expect(await finalState(page, 30_000)).toBe("error");
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const text = await page.locator("#isolation").innerText();
    expect(text).toContain("This browser lacks what that needs");
    expect(text).toContain("missing: Atomics.waitAsync");
    expect(text).not.toContain("missing: cross-origin isolation");
    await page.close();
  });

  it("the static build (npm run build:site) isolates itself through its service worker on a host without the headers", async () => {
    const site = path.join(outDir, "site");
    execFileSync(process.execPath, [path.join(root, "scripts/build-site.mjs"), "--out", site], { stdio: "pipe" });
    const server = await startServer({ port: 0, root: site, isolation: false });
    servers.push(server);
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    // Short: the subject is the isolation; two code instances, each compiled in the page.
    await page.goto(`${server.url}site/?quick=1&cpus=1&strategies=plain,noinstr&instances=2`);
    const state = await finalState(page);
    expect(state, await page.locator("#error-text").textContent()).toBe("done");
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toMatch(/\/coi-serviceworker\.js$/);
    const result = (await page.evaluate(() => (window as unknown as { rcuLab: { result: StrategyReport } }).rcuLab.result)) as StrategyReport;
    expect(result.rows.map((r) => `${r.strategy} ${r.context}`)).toEqual(["plain task", "plain idle", "noinstr task", "noinstr idle"]);
    expect(result.instances).toBe(2);
    expect(result.rows.every((r) => r.instances.length === 2 && r.nsPerCall.n === 2)).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("examples/browser-basic.html (the Node example in a page, `rcu-lab` through an import map) runs to its last line", async () => {
    const server = await startServer({ port: 0 });
    servers.push(server);
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url.replace(/site\/$/, "examples/browser-basic.html"));
    const state = await finalState(page, 30_000); // a module that fails to resolve sets no state: do not wait long
    const text = await page.locator("#out").innerText();
    expect(state, text).toBe("done");
    expect(text).toMatch(/CPU 0: smp_mb\(\) [\d.]+ ns per call/);
    expect(text).toMatch(/CPU 1: smp_mb\(\) [\d.]+ ns per call/);
    expect(text).toMatch(/synchronize_rcu\(\): gp_seq \d+ -> \d+/);
    expect(text).toMatch(/rcuidle-srcu-irq: [\d.]+ ns per trace call/);
    expect(errors).toEqual([]);
    await page.close();
  });

  // Node 20's Liftoff miscompiles code after memory.atomic.wait, and a page cannot pass
  // --no-liftoff. The page's answer: no wait inside WebAssembly (the build check, run again by
  // build:site). This measures whether Chromium's V8 has the bug at all, with the probe whose
  // negative control is Node 20's default engine (50 of 50 sums wrong: test/liftoff.test.ts).
  it("Liftoff after a wait: the page's modules never wait in WebAssembly; Chromium's V8 sums right even with Liftoff forced", async () => {
    expect(checkWasm(textToWasm(LIFTOFF_WAT)).join()).toMatch(/memory\.atomic\.wait/); // the check catches a wait
    for (const f of ["build/rcu-lab.wasm", "build/rcu-lab.counting.wasm", "build/rcu-lab.tracing.wasm"]) expect(checkWasm(fs.readFileSync(path.join(root, f))), f).toEqual([]);
    const server = await startServer({ port: 0 });
    servers.push(server);
    const bytes = [...textToWasm(LIFTOFF_WAT)];
    const probe = async (b: Browser) => {
      const page = await b.newPage();
      await page.goto(`${server.url}liftoff-probe`); // a 404, but with the headers: an isolated page
      const r = await page.evaluate(async ({ bytes, count }) => {
        const src = `const countWrongSums = ${count};
          onmessage = (e) => {
            const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
            const { f } = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(e.data)), { env: { memory } }).exports;
            postMessage(countWrongSums(f));
          };`;
        const w = new Worker(URL.createObjectURL(new Blob([src], { type: "text/javascript" })));
        return await new Promise((res, rej) => ((w.onmessage = (e) => res(e.data)), (w.onerror = (e) => rej(new Error(e.message))), w.postMessage(bytes)));
      }, { bytes, count: countWrongSums.toString() });
      await page.close();
      return r;
    };
    expect(await probe(browser)).toEqual({ wrong: 0, calls: 50 });
    const liftoffOnly = await chromium.launch({ executablePath: CHROMIUM, args: [...FLAGS, "--js-flags=--liftoff-only"], chromiumSandbox: false });
    try {
      expect(await probe(liftoffOnly)).toEqual({ wrong: 0, calls: 50 });
    } finally {
      await liftoffOnly.close();
    }
  });
});
