// Progress on stderr for long runs: one rewritten line on a terminal, plain lines otherwise.

export function progressLine(stream: NodeJS.WriteStream = process.stderr): (done: number, total: number, what: string) => void {
  const tty = Boolean(stream.isTTY);
  return (done, total, what) => {
    const width = 24;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} ${what}`;
    if (tty) stream.write(`\r\x1b[2K${bar}${done === total ? "\n" : ""}`);
    else stream.write(`${bar}\n`);
  };
}
