/**
 * Numbers as people read them in the CLI's human output. `--json` prints the exact numbers instead; these
 * only round what is shown.
 */

/** A loss (mean wQuantileLoss and the like) to 4 significant digits: 0.06003194534894168 -> "0.06003". */
export function formatLoss(loss: number | null | undefined): string {
  if (loss === null || loss === undefined || !Number.isFinite(loss)) return '–';
  return String(Number(loss.toPrecision(4)));
}

/** A fee (or an error measured in fees, as RMSE) to the whole satoshi, with thousands separated: "12,345 sat". */
export function formatFee(satoshi: number | null | undefined): string {
  if (satoshi === null || satoshi === undefined || !Number.isFinite(satoshi)) return '–';
  return `${Math.round(satoshi).toLocaleString('en-US')} sat`;
}

/** A duration for people: "850 ms", "12.3 s", "4 min 05 s", "30 min", "2 h 07 min", "2 h", "3 d 4 h", "3 d". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(1)} s`;
  const seconds = Math.round(abs / 1000);
  if (seconds < 3600) return `${sign}${Math.floor(seconds / 60)} min${seconds % 60 ? ` ${String(seconds % 60).padStart(2, '0')} s` : ''}`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 1440) return `${sign}${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${String(minutes % 60).padStart(2, '0')} min` : ''}`;
  const hours = Math.round(minutes / 60);
  return `${sign}${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}
