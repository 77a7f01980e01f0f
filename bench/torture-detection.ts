// npm run bench -- torture-detection [runs]: how reliably the torture oracle catches each
// injected fault at the default duration, and that the correct flavors stay clean.
// Each run is a fresh machine with its own seed.
import Table from "cli-table3";
import { Machine } from "../bindings/machine/machine.js";
import { nodePlatform } from "../bindings/platform/node.js";
import { TORTURE_FAULTS, TORTURE_FLAVORS, runTorture, type TortureFlavor } from "../bindings/experiments/torture.js";
import type { FaultName } from "../bindings/abi/constants.js";
import { runTpTorture } from "../bindings/experiments/tp-torture.js";

/** The tracepoint case the issue asks to catch: plain trace_X() called from idle. */
export const TP_DETECTION_SECONDS = 2;

export const DEFAULT_TORTURE_SECONDS = 4;
export const DEFAULT_TORTURE_CPUS = 3;

export interface DetectionRow {
  case: string;
  flavor: TortureFlavor;
  fault: string | null;
  runs: number;
  /** Runs that failed the oracle (for a fault: detections; for a correct flavor: false alarms). */
  failed: number;
  /** Runs whose verdict was INCONCLUSIVE (nothing tested): neither a detection nor a false alarm. */
  inconclusive: number;
  /** Too-short grace periods seen per run: median, min, max. */
  pipeErrors: number[];
}

/** The tracepoint case's name for --only. */
const TP_CASE = "plain-from-idle";

/** The names --only accepts: each flavor, each fault, and the tracepoint case. */
export function detectionCases(): string[] {
  return [...TORTURE_FLAVORS, ...Object.keys(TORTURE_FAULTS), TP_CASE];
}

export async function tortureDetection(runs: number, seconds = DEFAULT_TORTURE_SECONDS, only?: string): Promise<DetectionRow[]> {
  if (!Number.isInteger(runs) || runs < 1 || runs > 10_000) {
    throw new RangeError(`torture-detection: runs must be an integer in 1..10000 (runs per case); got ${runs}`);
  }
  if (only !== undefined && !detectionCases().includes(only)) {
    throw new RangeError(`torture-detection: unknown case '${only}' for --only; expected one of: ${detectionCases().join(", ")}`);
  }
  const all: { flavor: TortureFlavor; fault?: FaultName }[] = [
    ...TORTURE_FLAVORS.map((flavor) => ({ flavor })),
    ...Object.entries(TORTURE_FAULTS).map(([fault, flavor]) => ({ flavor, fault: fault as FaultName })),
  ];
  const cases = all.filter((c) => !only || (c.fault ?? c.flavor) === only);
  const rows: DetectionRow[] = [];
  let k = 0;
  for (const c of cases) {
    const row: DetectionRow = { case: c.fault ?? `${c.flavor} (correct)`, flavor: c.flavor, fault: c.fault ?? null, runs, failed: 0, inconclusive: 0, pipeErrors: [] };
    for (let i = 0; i < runs; i++) {
      process.stderr.write(`[${++k}/${cases.length * runs}] ${row.case} run ${i + 1}/${runs}\n`);
      const m = await Machine.create({ cpus: DEFAULT_TORTURE_CPUS, platform: nodePlatform });
      try {
        const r = await runTorture(m, { flavor: c.flavor, fault: c.fault, seconds, seed: 1000 + i });
        if (r.verdict === "FAIL") row.failed++;
        if (r.verdict === "INCONCLUSIVE") row.inconclusive++;
        row.pipeErrors.push(r.pipeErrors + r.mberrors);
      } finally {
        await m.close();
      }
    }
    rows.push(row);
  }
  if (only && only !== TP_CASE) return rows;
  const row: DetectionRow = { case: "plain called from idle (tracepoint)", flavor: "rcu", fault: TP_CASE, runs, failed: 0, inconclusive: 0, pipeErrors: [] };
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`[tracepoint] plain from idle run ${i + 1}/${runs}\n`);
    const m = await Machine.create({ cpus: DEFAULT_TORTURE_CPUS, platform: nodePlatform });
    try {
      const r = await runTpTorture(m, { strategy: "plain", contexts: ["idle"], seconds: TP_DETECTION_SECONDS, seed: 1000 + i });
      if (r.verdict === "FAIL") row.failed++;
      if (r.verdict === "INCONCLUSIVE") row.inconclusive++;
      row.pipeErrors.push(r.useAfterFree);
    } finally {
      await m.close();
    }
  }
  rows.push(row);
  return rows;
}

export function renderDetection(rows: DetectionRow[], seconds = DEFAULT_TORTURE_SECONDS): string {
  const t = new Table({ head: ["case", "flavor", "runs", "oracle failed the run", "errors per run: median [min-max]"], style: { head: [], border: [], compact: true } });
  for (const r of rows) {
    const s = [...r.pipeErrors].sort((a, b) => a - b);
    t.push([r.case, r.flavor, String(r.runs), `${r.failed}/${r.runs}${r.fault ? " detected" : " false alarms"}${r.inconclusive ? ` (${r.inconclusive} inconclusive)` : ""}`, `${s[s.length >> 1]} [${s[0]}-${s[s.length - 1]}]`]);
  }
  return `torture detection: ${seconds} s per flavor run (${TP_DETECTION_SECONDS} s per tracepoint run), ${DEFAULT_TORTURE_CPUS} CPUs, seeds 1000..; errors = too-short grace periods + poisoned reads (tracepoint: use-after-free calls)\n${t.toString()}`;
}
