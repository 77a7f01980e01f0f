// What `npm pack` ships must run once installed: pack the tarball (its prepack hook builds
// if stale), install it in an empty folder, and run the CLI and the shipped example there.
// Dependencies come from npm's cache when `npm ci` filled it (--prefer-offline).
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { name: string; version: string };

function sh(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 180_000, env: { ...process.env, npm_config_update_notifier: "false" } });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", all: `${r.stdout}\n${r.stderr}` };
}

describe("the example in the repository", () => {
  it("examples/node-basic.mjs runs with `import ... from \"rcu-lab\"` (the package's exports map)", () => {
    const r = sh(process.execPath, ["examples/node-basic.mjs"], root);
    expect(r.status, r.all).toBe(0);
    expect(r.stdout).toMatch(/CPU 0: smp_mb\(\) [\d.]+ ns per call/);
    expect(r.stdout).toMatch(/synchronize_rcu\(\): gp_seq \d+ -> \d+/);
    expect(r.stdout).toMatch(/rcuidle-srcu-irq: [\d.]+ ns per trace call/);
  });
});

describe("the npm tarball, installed in an empty folder", () => {
  let dir = "";
  let app = "";
  let files: string[] = [];

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rcu-lab-pack-"));
    const out = execFileSync(npm, ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8", timeout: 180_000 });
    const info = JSON.parse(out.slice(out.indexOf("["))) as { filename: string; files: { path: string }[] }[];
    files = info[0].files.map((f) => f.path);
    app = path.join(dir, "app");
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    const r = sh(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", path.join(dir, info[0].filename)], app);
    if (r.status !== 0) throw new Error(`npm install of the tarball failed:\n${r.all}`);
  }, 300_000);

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("ships the builds, the compiled bindings, the profile and the docs, and no tests, sources of the core or CI files", () => {
    for (const f of ["build/rcu-lab.wasm", "build/rcu-lab.counting.wasm", "build/rcu-lab.stepping.wasm", "build/rcu-lab.percpu.wasm", "dist/bindings/index.js", "dist/bindings/index.d.ts", "dist/bindings/cli/main.js", "profiles/amd-epyc-zen5-2vcpu.json", "docs/architecture.md", "examples/node-basic.mjs", "README.md", "package.json"]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^(test|assembly|bench|scripts|\.ci|node_modules|dist\/bench)\//.test(f))).toEqual([]);
  });

  it("npx rcu-lab --version prints the package's version", () => {
    const r = sh(npm, ["exec", "--no", "--", "rcu-lab", "--version"], app);
    expect(r.status, r.all).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("npx rcu-lab bench runs from the installed package", () => {
    const r = sh(npm, ["exec", "--no", "--", "rcu-lab", "bench", "--strategies", "plain", "--iterations", "10000", "--reps", "1"], app);
    expect(r.status, r.all).toBe(0);
    expect(r.stdout).toMatch(/│ plain +│ task +│ 1 +│ yes +│ [\d.]+ ns/);
  });

  it("the shipped example runs against the installed package", () => {
    fs.copyFileSync(path.join(app, "node_modules", pkg.name, "examples", "node-basic.mjs"), path.join(app, "example.mjs"));
    const r = sh(process.execPath, ["example.mjs"], app);
    expect(r.status, r.all).toBe(0);
    expect(r.stdout).toMatch(/synchronize_rcu\(\): gp_seq \d+ -> \d+/);
  });
});
