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
