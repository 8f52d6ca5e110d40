/** Errors of the twin's read models (what the dashboard's JSON API answers from). */
import { PipelineError } from '../../src/core/errors';

/** A query parameter the API cannot use: `parameter` names it, the message says what is wrong. */
export class QueryError extends PipelineError {
  override readonly name = 'QueryError' as const;
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/** Nothing of that name exists (a model version, an execution): the message says what was looked for. */
export class NotFoundError extends PipelineError {
  override readonly name = 'NotFoundError' as const;
}
