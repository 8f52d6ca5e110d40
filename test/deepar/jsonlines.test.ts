import { DataValidationError } from '../../src/deepar/errors';
import { parseJsonLines, serializeJsonLines } from '../../src/deepar/jsonlines';

describe('Function: parseJsonLines', () => {
  it('reads start, targets with "NaN" and null, cat and dynamic_feat', () => {
    // Prepare
    const text = [
      '{"start": "2025-03-05 02:10:00", "target": [1.5, "NaN", null, 4], "cat": [0, 2], "dynamic_feat": [[1, 2, 3, 4]]}',
      '',
      '{"start": "2025-03-06", "target": [7]}',
    ].join('\n');
    // Act
    const [a, b] = parseJsonLines(text);
    // Assess
    expect(a.startMs).toBe(Date.UTC(2025, 2, 5, 2, 10));
    expect(a.target).toEqual([1.5, NaN, NaN, 4]);
    expect(a.cat).toEqual([0, 2]);
    expect(a.dynamicFeat).toEqual([[1, 2, 3, 4]]);
    expect(b.startMs).toBe(Date.UTC(2025, 2, 6));
  });

  it('round-trips through serializeJsonLines with missing values as "NaN"', () => {
    const text = serializeJsonLines([{ startMs: Date.UTC(2025, 0, 1, 12), target: [1, NaN, 3] }]);
    expect(text).toBe('{"start":"2025-01-01 12:00:00","target":[1,"NaN",3]}\n');
    expect(parseJsonLines(text)[0].target).toEqual([1, NaN, 3]);
  });

  it.each([
    { text: '{"start": "2025-01-01 00:00:00", "target": [1]}\nnot json', line: 2, field: undefined, message: /line 2: invalid JSON/ },
    { text: '{"target": [1]}', line: 1, field: 'start', message: /line 1: missing "start"/ },
    { text: '{"start": "01/02/2025", "target": [1]}', line: 1, field: 'start', message: /"start" must be/ },
    { text: '{"start": "2025-01-01 00:00:00"}', line: 1, field: 'target', message: /missing "target"/ },
    { text: '\n\n{"start": "2025-01-01 00:00:00", "target": [1, "x"]}', line: 3, field: 'target', message: /line 3: target\[1\] must be a number/ },
    { text: '{"start": "2025-01-01 00:00:00", "target": [1], "cat": [-1]}', line: 1, field: 'cat', message: /cat\[0\]/ },
    { text: '{"start": "2025-01-01 00:00:00", "target": [1], "dynamic_feat": [1]}', line: 1, field: 'dynamic_feat', message: /dynamic_feat\[0\]/ },
    { text: '{"start": "2025-01-01 00:00:00", "target": [1], "tgt": [1]}', line: 1, field: 'tgt', message: /unknown field "tgt"/ },
  ])('reports $message at line $line', ({ text, line, field, message }) => {
    try {
      parseJsonLines(text, 'train.json');
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(DataValidationError);
      expect((e as DataValidationError).name).toBe('DataValidationError');
      expect((e as DataValidationError).details).toMatchObject({ line, source: 'train.json', ...(field ? { field } : {}) });
      expect((e as Error).message).toMatch(message);
    }
  });
});
