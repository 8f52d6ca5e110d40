import { executionName, resumedExecutionName } from '../../../local/executor/execution-names';

const AT = new Date('2025-03-06T02:13:45.000Z');
const VALID = /^[A-Za-z0-9_-]{1,80}$/;

describe('Function: executionName', () => {
  it('names an execution after what it is and the minute of the twin clock, unique within the minute', () => {
    // Act
    const first = executionName('training', AT);
    const second = executionName('training', AT);

    // Assess
    expect(first).toMatch(/^training-20250306T0213-[0-9a-f]{6}$/);
    expect(second).not.toBe(first);
  });

  it('cuts a long prefix, never the unique tail, to stay within Step Functions’ 80 characters', () => {
    // Act
    const name = executionName('x'.repeat(100), AT);

    // Assess
    expect(name).toMatch(VALID);
    expect(name).toMatch(/-20250306T0213-[0-9a-f]{6}$/);
  });
});

describe('Function: resumedExecutionName', () => {
  it('marks a resumed execution once, however often it is resumed', () => {
    // Prepare
    const original = 'training-20250306T0213-abc123-deploy';

    // Act
    const once = resumedExecutionName(original, AT);
    const twice = resumedExecutionName(once, new Date('2025-03-07T00:00:00Z'));

    // Assess
    expect(once).toMatch(/^training-20250306T0213-abc123-deploy-resumed-20250306T0213-[0-9a-f]{6}$/);
    expect(twice).toMatch(/^training-20250306T0213-abc123-deploy-resumed-20250307T0000-[0-9a-f]{6}$/);
    // Room for the nested executions' `-production` suffix.
    expect(`${twice}-production`).toMatch(VALID);
  });
});
