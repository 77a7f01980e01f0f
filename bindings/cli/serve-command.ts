// rcu-lab serve: the command line of serve.ts. It runs until interrupted (Ctrl-C).
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { DEFAULT_PORT, startServer } from "./serve.js";

function port(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n > 65535) throw new InvalidArgumentError(`--port must be a TCP port, an integer in 0..65535 (0: any free port); got '${v}'`);
  return n;
}

export function addServeCommand(program: Command): void {
  program
    .command("serve")
    .description(
      "serve the comparison page (the strategy table, a chart, a short torture) in a browser, from 127.0.0.1, " +
        "with the Cross-Origin-Opener-Policy / Cross-Origin-Embedder-Policy headers its shared memory needs; prints the URL",
    )
    .option("--port <n>", "TCP port on 127.0.0.1 (0: any free port)", port, DEFAULT_PORT)
    .option("--without-isolation", "leave the COOP/COEP headers out (to see what the page says on a host that does not send them)")
    .action(async (o: { port: number; withoutIsolation?: boolean }) => {
      const s = await startServer({ port: o.port, isolation: !o.withoutIsolation });
      process.stdout.write(`rcu-lab serve: open ${s.url}  (add ?quick=1 for a short run; Ctrl-C stops)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void s.close().then(resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
