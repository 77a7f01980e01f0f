// rcu-lab from Node: two emulated CPUs, the cost of smp_mb() on each, a grace period, and
// the cost of two tracepoint strategies. Run with `node examples/node-basic.mjs` (in the
// repository after `npm run build`, or anywhere rcu-lab is installed).
import { Machine, strategy } from "rcu-lab";

const m = await Machine.create({ cpus: 2 }); // or { build: "counting" } for exact op counts
try {
  // One batch of 10^7 smp_mb() on each CPU, both starting together; timed by each CPU's worker.
  const n = 1e7;
  for (const r of await m.runAll("bench_smp_mb", [n], { barrier: true })) {
    console.log(`CPU ${r.cpu}: smp_mb() ${(r.elapsedNs / n).toFixed(2)} ns per call`);
  }

  // A grace period from the host: every CPU passes through a quiescent state.
  const before = m.rcu.gpSeq;
  await m.rcu.synchronize();
  console.log(`synchronize_rcu(): gp_seq ${before} -> ${m.rcu.gpSeq}`);

  // A tracepoint with one empty probe, called 10^6 times on CPU 0 by two strategies.
  const tp = m.tracepoints.define("example");
  tp.register("empty");
  for (const name of ["plain", "rcuidle-srcu-irq"]) {
    const r = await m.run(0, strategy(name).loop, [1e6, tp.id, 0]);
    console.log(`${name}: ${(r.elapsedNs / 1e6).toFixed(2)} ns per trace call (task context, 1 probe)`);
  }
} finally {
  await m.close(); // ends the CPU workers (a script that forgets it still exits: README, "Using the machine from code")
}
