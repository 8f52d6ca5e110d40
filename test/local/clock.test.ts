import { ScaledClock } from '../../local/clock';

describe('Class: ScaledClock', () => {
  it('runs speed times faster than the real clock from its virtual start', () => {
    let real = 1_000;
    const clock = new ScaledClock(Date.parse('2025-03-12T00:00:00Z'), 60, () => real);
    real += 1_000; // one real second
    expect(new Date(clock.now()).toISOString()).toBe('2025-03-12T00:01:00.000Z');
  });

  it('sleeps until a virtual time, scaled', async () => {
    const clock = new ScaledClock(0, 1000);
    const started = Date.now();
    await clock.sleepUntil(100_000); // 100 virtual seconds = 100 real ms
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(clock.now()).toBeGreaterThanOrEqual(100_000);
  });

  it('stops sleeping when aborted', async () => {
    const clock = new ScaledClock(0, 1);
    const controller = new AbortController();
    const sleep = clock.sleepUntil(3_600_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleep).rejects.toThrow('stop');
  });

  it('refuses a speed that is not a positive number', () => {
    expect(() => new ScaledClock(0, 0)).toThrow('clock speed must be a positive number, not 0');
  });
});
