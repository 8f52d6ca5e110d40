/**
 * Progress of long steps (backfill, training). On a terminal: one line redrawn in place, a bar with the
 * percentage, the detail and the time left. Elsewhere (CI logs, pipes): plain lines, one every tenth, so a log
 * stays short and grep-able.
 */
import type { LocalSageMakerEvent } from './sagemaker/context';
import { formatDuration, formatLoss } from './commands/format';

/** What a progress writes to: process.stderr, or a stand-in in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  /** The terminal's width; the line is cut to it so it never wraps (a wrapped line cannot be redrawn). */
  columns?: number;
  write(chunk: string): unknown;
}

export interface Progress {
  update(done: number, total: number, detail?: string): void;
  /** Ends the line where the step stopped short of 100% (early stopping, a failure), saying how it ended. */
  end(detail?: string): void;
}

/** Erase the line and go back to its start (ECMA-48 EL). */
const REDRAW = '\r\x1b[2K';

/** `startedAt` (epoch ms, default now) is when the work began, for the time left. */
export function createProgress(label: string, stream: ProgressStream = process.stderr, now: () => number = Date.now, startedAt = now()): Progress {
  const started = startedAt;
  let lastTenth = -1;
  let open = false;
  const timeLeft = (done: number, total: number) => (done <= 0 || done >= total ? '' : `about ${formatDuration(((now() - started) / done) * (total - done))} left`);
  return {
    update(done, total, detail = '') {
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const percent = `${(fraction * 100).toFixed(0)}%`;
      const left = timeLeft(done, total);
      if (stream.isTTY) {
        const width = 30;
        const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
        // What matters first (bar, percentage, time left), then the detail; a long label is shortened (the same
        // way on every redraw; 88 columns are kept for the bar, the time left and an epoch's loss), then the detail
        // cut at the terminal's edge.
        const columns = Math.max(40, (stream.columns ?? 100) - 1);
        const line = `${shorten(label, Math.max(16, columns - 88))} [${bar}] ${percent.padStart(4)}${left ? ` (${left})` : ''} ${detail}`;
        stream.write(REDRAW + line.slice(0, columns).trimEnd());
        open = fraction < 1;
        if (!open) stream.write('\n');
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${label} ${percent} ${[detail, left].filter(Boolean).join(', ')}`.trimEnd() + '\n');
      }
    },
    end(detail) {
      if (stream.isTTY && open) stream.write(detail ? `${REDRAW}${label} ${detail}\n` : '\n');
      else if (detail) stream.write(`${label} ${detail}\n`);
      open = false;
    },
  };
}

/** `text` cut in the middle to `max` characters: the start and the end (a job's unique suffix) stay. */
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (max - 1 - head))}`;
}

type TrainingEvent = Extract<LocalSageMakerEvent, { type: 'TrainingJobProgress' | 'TrainingJobStatusChanged' }>;

/** One progress per training job: its epochs (with the loss), ended when the job stops short of its last epoch. */
export function trainingProgress(stream: ProgressStream = process.stderr, now: () => number = Date.now): (event: TrainingEvent) => void {
  const jobs = new Map<string, { progress: Progress; epoch: number; epochs: number }>();
  return (event) => {
    let job = jobs.get(event.name);
    if (event.type === 'TrainingJobProgress') {
      // The job began one epoch's time before its first report.
      if (!job) jobs.set(event.name, (job = { progress: createProgress(`training ${event.name}`, stream, now, now() - event.seconds * 1000), epoch: 0, epochs: event.epochs }));
      Object.assign(job, { epoch: event.epoch, epochs: event.epochs });
      job.progress.update(event.epoch, event.epochs, `epoch ${event.epoch}/${event.epochs}, loss ${formatLoss(event.loss)}`);
    } else if (job && ['Completed', 'Failed', 'Stopped'].includes(event.status)) {
      if (job.epoch < job.epochs) job.progress.end(`${event.status} after epoch ${job.epoch} of ${job.epochs}${event.status === 'Completed' ? ' (early stopping)' : ''}`);
      jobs.delete(event.name);
    }
  };
}
