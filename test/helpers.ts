// Test helpers: settle-or-not checks for promises, and polling with a deadline.

/** Whether `p` settles within `ms` (it keeps running either way). */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  const t0 = Date.now();
  while (!settled && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 5));
  return settled;
}

/** Poll `cond` every 5 ms until true; throw after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

import { afterEach } from "vitest";
import { Machine, type MachineOptions } from "../dist/bindings/index.js";

/**
 * Machines for one test file: `create(cpus, options)` makes one with `defaults` and the
 * options given; every machine is closed after each test.
 */
export function useMachines(defaults: Partial<MachineOptions> = {}) {
  const machines: Machine[] = [];
  afterEach(async () => {
    await Promise.all(machines.splice(0).map((m) => m.close()));
  });
  return async (cpus: number, options: Partial<MachineOptions> = {}): Promise<Machine> => {
    const m = await Machine.create({ ...defaults, ...options, cpus });
    machines.push(m);
    return m;
  };
}

/** The `--fault` choices a command's --help offers (commander's "(choices: ...)", wrapped or not). */
export function helpFaults(help: string): string[] {
  const m = /--fault <name>.*?\(choices: ([^)]*)\)/.exec(help.replace(/\s+/g, " "));
  if (!m) throw new Error(`no --fault choices in:\n${help}`);
  return [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
}
