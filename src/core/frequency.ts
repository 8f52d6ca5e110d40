/**
 * A grid frequency as people type it (pandas' offset aliases and counts: `1h`, `h`, `H`, `30min`, `T`, `5T`,
 * `D`, `W`), normalised to SageMaker DeepAR's `time_freq` spelling (an integer followed by M, W, D, H or min:
 * test/fixtures/aws/deepar-time-freq.json), which is what reaches SageMaker and the training hyperparameters.
 * Pure: no I/O, no dependency on the model.
 */
import { PipelineError } from './errors';

/** DeepAR's base frequencies, as SageMaker spells them. */
export type TimeFreqUnit = 'M' | 'W' | 'D' | 'H' | 'min';

export interface NormalisedFrequency {
  /** SageMaker's spelling: the base frequency alone when no count was typed ("h" -> "H"), else with it ("1h" -> "1H"). */
  timeFreq: string;
  count: number;
  unit: TimeFreqUnit;
}

/** Each accepted unit spelling (case-sensitive, as pandas is) and the DeepAR unit it means. */
const UNIT_SPELLINGS: Readonly<Record<string, TimeFreqUnit>> = {
  // SageMaker's own names
  M: 'M', W: 'W', D: 'D', H: 'H', min: 'min',
  // pandas: h (2.2 on) and H (before), min and T (deprecated alias), ME (month end, 2.2 on), lower-case day/week
  h: 'H', T: 'min', ME: 'M', d: 'D', w: 'W',
};

/** Spellings people try that DeepAR cannot take, and why: said instead of a bare "not a frequency". */
const KNOWN_REFUSALS: ReadonlyArray<{ units: readonly string[]; why: string }> = [
  { units: ['m'], why: 'is ambiguous: write min for minutes or M for months' },
  { units: ['s', 'S', 'sec', 'ms', 'L', 'us', 'U', 'ns', 'N'], why: 'is finer than DeepAR supports (its finest frequency is min)' },
  { units: ['Y', 'YE', 'A', 'Q', 'QE', 'MS', 'B', 'BH', 'bh'], why: 'is not one of DeepAR\u2019s base frequencies (M, W, D, H, min)' },
];

export const ACCEPTED_FREQUENCY_FORMS = 'M, W, D, H or min with an optional count (SageMaker\u2019s names, e.g. 5min, 1H), or a pandas alias: 1h, h, H, 30min, min, T, 5T, D, 1D, W, ME';

/** The frequency cannot be read or DeepAR does not support it. */
export class FrequencyError extends PipelineError {
  override readonly name = 'FrequencyError' as const;
}

const SPELLING = /^\s*(\d+)?\s*([A-Za-z]+)\s*$/;

/**
 * `text` as SageMaker's `time_freq` ("1h" -> "1H", "h" -> "H", "T" -> "min", "5T" -> "5min"); a FrequencyError that quotes
 * the input and lists the accepted forms otherwise. `what` names the option in the message (e.g. "--freq").
 */
export function normaliseFrequency(text: string, what = 'frequency'): NormalisedFrequency {
  const match = SPELLING.exec(text);
  const refuse = (why: string) => new FrequencyError(`${what} must be ${ACCEPTED_FREQUENCY_FORMS}; ${JSON.stringify(text)} ${why}`);
  if (!match) throw refuse(/\d+\.\d/.test(text) ? 'is not a whole count of one unit (e.g. write 90min for 1.5h)' : 'is not a frequency');
  const [, digits, spelling] = match;
  const unit = UNIT_SPELLINGS[spelling];
  if (!unit) {
    const known = KNOWN_REFUSALS.find((r) => r.units.includes(spelling));
    throw refuse(`has the unit ${spelling}, which ${known ? known.why : 'neither DeepAR nor pandas knows'}`);
  }
  const count = digits === undefined ? 1 : Number(digits);
  if (!Number.isSafeInteger(count) || count < 1) throw refuse('has a count below 1 (or too large)');
  return { timeFreq: digits === undefined ? unit : `${count}${unit}`, count, unit };
}
