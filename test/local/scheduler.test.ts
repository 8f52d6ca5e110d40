import { ScaledClock } from '../../local/clock';
import { everyHour } from '../../local/scheduler';

describe('Function: everyHour', () => {
  it('ticks on the whole hours of an accelerated clock', async () => {
    // 36,000x: an hour every 100 ms of real time
    const clock = new ScaledClock(Date.parse('2025-03-12T02:13:00Z'), 36_000);
    const controller = new AbortController();
    const ticks: string[] = [];
    const running = everyHour(clock, controller.signal, async (at) => void ticks.push(at.toISOString()), () => {});
    await new Promise((r) => setTimeout(r, 330));
    controller.abort();
    await running;
    expect(ticks.slice(0, 2)).toEqual(['2025-03-12T03:00:00.000Z', '2025-03-12T04:00:00.000Z']);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(4);
  });

  it('reports a failing tick and goes on', async () => {
    const clock = new ScaledClock(Date.parse('2025-03-12T02:59:59Z'), 36_000);
    const controller = new AbortController();
    const errors: unknown[] = [];
    const running = everyHour(clock, controller.signal, async () => { throw new Error('endpoint down'); }, (e) => errors.push(e));
    await new Promise((r) => setTimeout(r, 150));
    controller.abort();
    await running;
    expect(errors.length).toBeGreaterThanOrEqual(1);
  });
});
