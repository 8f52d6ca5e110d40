/** Progress for long steps: a bar that redraws on a terminal, a line every tenth elsewhere (CI logs). */
export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let lastTenth = -1;
  return {
    update(done: number, total: number, detail = '') {
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      if (stream.isTTY) {
        const width = 30;
        const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
        stream.write(`\r${label} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${detail}`.padEnd(100));
        if (fraction === 1) stream.write('\n');
      } else {
        const tenth = Math.floor(fraction * 10);
        if (tenth > lastTenth) {
          lastTenth = tenth;
          stream.write(`${label} ${(fraction * 100).toFixed(0)}% ${detail}\n`);
        }
      }
    },
  };
}
