import { z } from 'zod';
import { taskHandler } from '../../functions/lib/middleware';
import { A_TOKEN } from '../builders/approvals';
import { aLoudLogger, captureOutput } from './logs';

const Event = z.object({ taskToken: z.string(), stage: z.enum(['staging', 'production']), windows: z.number().default(2) });

describe('Function: taskHandler', () => {
  let output: string[];
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => jest.restoreAllMocks());

  it('gives the work the parsed event, defaults filled in', async () => {
    // Prepare
    const handler = taskHandler({ schema: Event, logger: aLoudLogger() }, async (input) => input);

    // Act
    const result = await handler({ taskToken: A_TOKEN, stage: 'staging' }, {} as never);

    // Assess
    expect(result).toEqual({ taskToken: A_TOKEN, stage: 'staging', windows: 2 });
  });

  it('rejects a bad event with a ValidationError saying where, before any work, and logs it without the event', async () => {
    // Prepare
    const work = jest.fn(async () => 'done');
    const handler = taskHandler({ schema: Event, logger: aLoudLogger() }, work);

    // Act
    const attempt = handler({ taskToken: A_TOKEN, stage: 'dev' }, {} as never);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/^invalid event: stage: /) });
    expect(work).not.toHaveBeenCalled();
    const logged = output.map((line) => JSON.parse(line));
    expect(logged).toEqual([expect.objectContaining({ level: 'ERROR', message: 'task failed', error: 'ValidationError' })]);
    expect(output.join('\n')).not.toContain(A_TOKEN);
  });

  it("passes the work's named error on unchanged, for the state machine's Retry/Catch", async () => {
    // Prepare
    const failure = Object.assign(new Error('only 14 of 30 minutes observed'), { name: 'InsufficientDataError' });
    const handler = taskHandler({ schema: Event, logger: aLoudLogger() }, async () => {
      throw failure;
    });

    // Act
    const attempt = handler({ taskToken: A_TOKEN, stage: 'staging' }, {} as never);

    // Assess
    await expect(attempt).rejects.toBe(failure);
    expect(JSON.parse(output[0])).toMatchObject({ message: 'task failed', error: 'InsufficientDataError', detail: 'only 14 of 30 minutes observed' });
  });
});
