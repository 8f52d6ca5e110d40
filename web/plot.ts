/**
 * The forecast against what happened, as inline SVG (no script, no external asset): the 10–90% and
 * 30–70% quantile bands, the median, the seasonal-naive forecast dashed, and one dot per observed
 * held-out point (a gap has no dot).
 */

export interface ForecastPlotInput {
  /** The held-out points; null where nothing was observed. */
  actual: ReadonlyArray<number | null>;
  /** Quantile forecasts keyed "0.1" … "0.9" (DeepAR's keys), one value per held-out point. */
  quantiles: Readonly<Record<string, readonly number[]>>;
  /** The mean forecast: the line drawn when there is no "0.5" quantile. */
  mean?: readonly number[];
  seasonalNaive?: readonly number[];
  /** ISO 8601 start of the held-out points (one per minute), for the axis label. */
  start?: string;
  width?: number;
  height?: number;
  title?: string;
}

/** Escaping for the pages: everything that comes from data goes through it. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const MARGIN = { top: 16, right: 16, bottom: 40, left: 64 };

const fmt = (v: number): string => String(Number(v.toPrecision(4)));

function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export function renderForecastPlot(input: ForecastPlotInput): string {
  const width = input.width ?? 720;
  const height = input.height ?? 320;
  const n = input.actual.length;
  const q = (key: string): readonly number[] | undefined => input.quantiles[key];
  const median = q('0.5') ?? input.mean;
  const series = [q('0.1'), q('0.9'), q('0.3'), q('0.7'), median, input.seasonalNaive].filter((s): s is readonly number[] => !!s);
  const values = [...series.flat(), ...input.actual.filter((v): v is number => v !== null)].filter(Number.isFinite);
  let yMin = values.length ? Math.min(...values) : 0;
  let yMax = values.length ? Math.max(...values) : 1;
  if (yMax === yMin) [yMin, yMax] = [yMin - 1, yMax + 1];
  const pad = (yMax - yMin) * 0.05;
  yMin -= pad;
  yMax += pad;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const x = (i: number): number => MARGIN.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v: number): number => MARGIN.top + (1 - (v - yMin) / (yMax - yMin)) * plotH;
  const pt = (i: number, v: number): string => `${x(i).toFixed(1)},${y(v).toFixed(1)}`;

  /** A line through the finite points, broken at gaps. */
  const line = (s: readonly number[]): string => {
    let d = '';
    let pen = false;
    s.forEach((v, i) => {
      if (!Number.isFinite(v)) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${pt(i, v)}`;
      pen = true;
    });
    return d;
  };
  /** A closed band between two quantiles: the upper edge forward, the lower edge back. */
  const band = (lower?: readonly number[], upper?: readonly number[]): string => {
    if (!lower || !upper) return '';
    const idx = [...Array(Math.min(n, lower.length, upper.length)).keys()].filter((i) => Number.isFinite(lower[i]) && Number.isFinite(upper[i]));
    if (idx.length === 0) return '';
    return `M${idx.map((i) => pt(i, upper[i])).join('L')}L${[...idx].reverse().map((i) => pt(i, lower[i])).join('L')}Z`;
  };

  const yTicks = niceTicks(yMin, yMax)
    .map(
      (t) =>
        `<line class="grid" x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}"/>` +
        `<text class="tick" x="${MARGIN.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(fmt(t))}</text>`,
    )
    .join('');
  const xStep = Math.max(1, Math.ceil(n / 6));
  const xTicks = [...Array(n).keys()]
    .filter((i) => i % xStep === 0 || i === n - 1)
    .map((i) => `<text class="tick" x="${x(i).toFixed(1)}" y="${height - MARGIN.bottom + 16}" text-anchor="middle">+${i + 1}</text>`)
    .join('');
  const dots = input.actual
    .map((v, i) => (v !== null && Number.isFinite(v) ? `<circle class="actual" cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3"><title>minute +${i + 1}: ${escapeHtml(fmt(v))}</title></circle>` : ''))
    .join('');
  const title = input.title ?? 'Forecast of the held-out points against what happened';
  const observed = input.actual.filter((v) => v !== null).length;
  const desc = `${n} held-out minutes${input.start ? ` from ${input.start}` : ''}, ${observed} observed. Shaded: the forecast's 10–90% and 30–70% quantile bands; line: the median; dashed: seasonal naive; dots: what happened.`;
  const outer = band(q('0.1'), q('0.9'));
  const inner = band(q('0.3'), q('0.7'));

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="forecast-plot" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="plot-title plot-desc">`,
    `<title id="plot-title">${escapeHtml(title)}</title>`,
    `<desc id="plot-desc">${escapeHtml(desc)}</desc>`,
    `<style>.grid{stroke:#ddd;stroke-width:1}.tick{font:11px sans-serif;fill:#555}.band-10-90{fill:#9ecae1;opacity:.45}.band-30-70{fill:#3182bd;opacity:.45}.median{fill:none;stroke:#08519c;stroke-width:2}.seasonal-naive{fill:none;stroke:#e6550d;stroke-width:1.5;stroke-dasharray:5 4}.actual{fill:#111}.axis-label{font:12px sans-serif;fill:#333}</style>`,
    yTicks,
    outer ? `<path class="band band-10-90" d="${outer}"><title>10–90% quantile band</title></path>` : '',
    inner ? `<path class="band band-30-70" d="${inner}"><title>30–70% quantile band</title></path>` : '',
    median ? `<path class="median" d="${line(median)}"><title>median forecast</title></path>` : '',
    input.seasonalNaive ? `<path class="seasonal-naive" d="${line(input.seasonalNaive)}"><title>seasonal naive forecast</title></path>` : '',
    dots,
    xTicks,
    `<text class="axis-label" x="${MARGIN.left + plotW / 2}" y="${height - 6}" text-anchor="middle">minutes after the last training point</text>`,
    `<text class="axis-label" transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">average fee</text>`,
    `</svg>`,
  ].join('');
}
