/** The ParameterStore port's contract: versioned parameters with SSM Parameter Store's semantics. */
import { ParameterAlreadyExistsError, ParameterNotFoundError } from '../../src/ports/errors';
import type { ParameterStore } from '../../src/ports/parameter-store';
import { useSubject, type MakeSubject } from './subject';

const THRESHOLD = '/btc-fee/dev/loss-threshold';

export function describeParameterStoreContract(name: string, makeSubject: MakeSubject<{ store: ParameterStore }>): void {
  describe(`Contract: ParameterStore — ${name}`, () => {
    const subject = useSubject(makeSubject);

    describe('put then get', () => {
      it('returns the parameter it stored, and get reads the same', async () => {
        const { store } = subject();
        const stored = await store.put(THRESHOLD, '0.12', { description: 'loss threshold' });

        expect(stored).toMatchObject({ name: THRESHOLD, value: '0.12', version: 1 });
        expect(stored.lastModified).toBeInstanceOf(Date);
        expect(await store.get(THRESHOLD)).toEqual(stored);
      });

      it('versions every overwrite and reads the latest, or the version asked for', async () => {
        const { store } = subject();
        await store.put(THRESHOLD, '0.12');
        await store.put(THRESHOLD, '0.10', { overwrite: true });
        await store.put(THRESHOLD, '0.09', { overwrite: true });

        expect(await store.get(THRESHOLD)).toMatchObject({ value: '0.09', version: 3 });
        expect(await store.get(THRESHOLD, 2)).toMatchObject({ value: '0.10', version: 2 });
      });
    });

    describe('conditional writes', () => {
      it('leaves an existing parameter as it is without overwrite, and says so with ParameterAlreadyExistsError', async () => {
        const { store } = subject();
        await store.put(THRESHOLD, '0.12');

        await expect(store.put(THRESHOLD, '0.5')).rejects.toBeInstanceOf(ParameterAlreadyExistsError);
        await expect(store.put(THRESHOLD, '0.5')).rejects.toMatchObject({ name: 'ParameterAlreadyExistsError', parameterName: THRESHOLD });
        expect(await store.get(THRESHOLD)).toMatchObject({ value: '0.12', version: 1 });
      });
    });

    describe('missing parameters', () => {
      it('throws ParameterNotFoundError for a name never put', async () => {
        const { store } = subject();
        await expect(store.get('/btc-fee/dev/nothing')).rejects.toMatchObject({ name: 'ParameterNotFoundError', parameterName: '/btc-fee/dev/nothing' });
        await expect(store.history('/btc-fee/dev/nothing')).rejects.toBeInstanceOf(ParameterNotFoundError);
      });

      it('throws ParameterNotFoundError for a version never written', async () => {
        const { store } = subject();
        await store.put(THRESHOLD, '0.12');
        await expect(store.get(THRESHOLD, 7)).rejects.toBeInstanceOf(ParameterNotFoundError);
      });
    });

    describe('history', () => {
      it('lists every version oldest first, across pages', async () => {
        const { store } = subject();
        const values = ['0.20', '0.15', '0.12', '0.11', '0.10'];
        await store.put(THRESHOLD, values[0]);
        for (const value of values.slice(1)) await store.put(THRESHOLD, value, { overwrite: true });

        const history = await store.history(THRESHOLD);
        expect(history.map((p) => [p.version, p.value])).toEqual(values.map((v, i) => [i + 1, v]));
        expect(history[4]).toEqual(await store.get(THRESHOLD));
      });
    });
  });
}
