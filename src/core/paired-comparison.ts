/**
 * The gate's paired rule: is the candidate better than the model in production by more than noise?
 *
 * Both models forecast the very same evaluation windows, so each window gives one paired difference
 * d_i = production_i − candidate_i (mean wQuantileLoss; positive when the candidate is better). Volatile
 * windows are hard for both models alike, and pairing cancels that shared difficulty. The candidate
 * beats production when, over n ≥ 2 windows,
 *
 *   mean(d) > k · sd(d) / √n      (k = 2 standard errors: about a one-sided 2.5% level; adjacent windows
 *                                  are correlated, so the nominal level is optimistic and k is kept high)
 *   mean(d) ≥ minImprovement · mean(production)   (a relative improvement worth a deployment)
 *
 * with sd the sample standard deviation (n − 1). A candidate equal to production (every d_i = 0) never
 * passes; nor does a worse one. Pure: no I/O.
 */
import { ValidationError } from './errors';

/** How many standard errors the mean improvement must exceed. */
export const STANDARD_ERRORS_REQUIRED = 2;

export interface PairedComparison {
  rule: string;
  windows: number;
  candidateMean: number;
  baselineMean: number;
  /** mean(baseline − candidate): positive when the candidate is better. */
  meanImprovement: number;
  /** meanImprovement / baselineMean. */
  relativeImprovement: number;
  standardError: number;
  /** meanImprovement / standardError (Infinity when every window improved by the same amount). */
  tStatistic: number;
  minImprovement: number;
  beatsBaseline: boolean;
  reason: string;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const fixed = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x));

export function describeRule(minImprovement: number): string {
  return `paired rule over the windows: mean improvement > ${STANDARD_ERRORS_REQUIRED} standard errors and >= ${fixed(minImprovement * 100)}% of production's loss`;
}

export function comparePaired(
  candidate: readonly number[],
  baseline: readonly number[],
  { minImprovement, baselineName = 'production' }: { minImprovement: number; baselineName?: string },
): PairedComparison {
  if (candidate.length !== baseline.length) {
    throw new ValidationError(`the candidate was scored on ${candidate.length} windows and ${baselineName} on ${baseline.length}: a paired comparison needs the same windows`);
  }
  if ([...candidate, ...baseline].some((x) => !Number.isFinite(x))) throw new ValidationError('a window loss is not a finite number');
  const n = candidate.length;
  const d = candidate.map((c, i) => baseline[i] - c);
  const candidateMean = n ? mean(candidate) : NaN;
  const baselineMean = n ? mean(baseline) : NaN;
  const meanImprovement = n ? mean(d) : 0;
  const variance = n >= 2 ? d.reduce((s, x) => s + (x - meanImprovement) ** 2, 0) / (n - 1) : NaN;
  const standardError = Math.sqrt(variance / n);
  const tStatistic = standardError > 0 ? meanImprovement / standardError : meanImprovement > 0 ? Infinity : meanImprovement < 0 ? -Infinity : 0;
  const relativeImprovement = baselineMean > 0 ? meanImprovement / baselineMean : 0;
  const significant = n >= 2 && meanImprovement > 0 && meanImprovement > STANDARD_ERRORS_REQUIRED * standardError;
  const large = relativeImprovement >= minImprovement;
  const beatsBaseline = significant && large;
  const head =
    `candidate ${fixed(candidateMean)} vs ${baselineName} ${fixed(baselineMean)} over ${n} windows: ` +
    `mean improvement ${fixed(meanImprovement)} (${fixed(relativeImprovement * 100)}%), ${fixed(tStatistic)} standard errors`;
  const reason =
    n < 2
      ? `${head}; one window cannot tell skill from noise`
      : beatsBaseline
        ? `${head}: better than ${baselineName} (${describeRule(minImprovement)})`
        : !significant
          ? `${head}: not better than ${baselineName} beyond noise (needs more than ${STANDARD_ERRORS_REQUIRED} standard errors)`
          : `${head}: under the minimum improvement ${fixed(minImprovement * 100)}% (evaluation/min-improvement)`;
  return { rule: describeRule(minImprovement), windows: n, candidateMean, baselineMean, meanImprovement, relativeImprovement, standardError, tStatistic, minImprovement, beatsBaseline, reason };
}
