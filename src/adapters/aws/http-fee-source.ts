/**
 * The fee source over HTTPS (Node's fetch): one GET of the configured URL, with a timeout and a size limit.
 * The answer is returned as received, whatever its status or type; no answer is FeeSourceUnavailableError.
 * Not AWS-specific: the Lambda and the twin's `mlops up --live` use it alike.
 */
import { FeeSourceUnavailableError, type FeeSource, type SourceAnswer } from '../../ports/fee-source';

export const DEFAULT_TIMEOUT_MS = 10_000;
/** `GET /api/mempool` answers a few kilobytes (its fee histogram): a megabyte is not that answer. */
export const MAX_BODY_BYTES = 1_000_000;

export interface HttpFeeSourceOptions {
  url: string;
  timeoutMs?: number;
  maxBodyBytes?: number;
}

export class HttpFeeSource implements FeeSource {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;

  constructor(options: HttpFeeSourceOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new RangeError(`the fee source URL ${JSON.stringify(options.url)} is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new RangeError(`the fee source URL ${JSON.stringify(options.url)} is not http(s)`);
    }
    this.url = parsed.toString();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  }

  async fetch(): Promise<SourceAnswer> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await fetch(this.url, { headers: { accept: 'application/json' }, signal, redirect: 'follow' });
      const body = await this.readBody(response);
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? undefined,
        date: response.headers.get('date') ?? undefined,
        body,
      };
    } catch (error) {
      if (error instanceof FeeSourceUnavailableError) throw error;
      const timedOut = signal.aborted;
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new FeeSourceUnavailableError(
        timedOut ? `${this.url} did not answer within ${this.timeoutMs} ms` : `${this.url} could not be reached (${cause ?? (error as Error).message})`,
        { cause: error },
      );
    }
  }

  /** The body as text, refusing one larger than the limit before reading all of it. */
  private async readBody(response: Response): Promise<string> {
    const reader = response.body?.getReader();
    if (!reader) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.maxBodyBytes) {
        await reader.cancel();
        throw new FeeSourceUnavailableError(`${this.url} answered more than ${this.maxBodyBytes} bytes: not the mempool statistics`);
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}
