/** The ObjectStore port's contract: what every adapter does, whatever stores the bytes. */
import { ObjectNotFoundError } from '../../src/ports/errors';
import type { ObjectStore } from '../../src/ports/object-store';
import { useSubject, type MakeSubject } from './subject';

export function describeObjectStoreContract(name: string, makeSubject: MakeSubject<{ store: ObjectStore }>): void {
  describe(`Contract: ObjectStore — ${name}`, () => {
    const subject = useSubject(makeSubject);

    describe('put then get', () => {
      it('returns the bytes put, text or binary', async () => {
        const { store } = subject();
        await store.put('s3://mlops-data/train/data.jsonl', '{"target":[1,2]}\n', 'application/jsonlines');
        await store.put('s3://mlops-data/model/model.tar.gz', new Uint8Array([0, 255, 31, 139]));

        expect((await store.get('s3://mlops-data/train/data.jsonl')).toString('utf8')).toBe('{"target":[1,2]}\n');
        expect([...(await store.get('s3://mlops-data/model/model.tar.gz'))]).toEqual([0, 255, 31, 139]);
      });

      it('replaces an object put again at the same URI', async () => {
        const { store } = subject();
        await store.put('s3://mlops-data/report.json', 'first');
        await store.put('s3://mlops-data/report.json', 'second');

        expect((await store.get('s3://mlops-data/report.json')).toString()).toBe('second');
      });
    });

    describe('missing objects', () => {
      it('throws ObjectNotFoundError naming the URI for a key never put', async () => {
        const { store } = subject();
        await expect(store.get('s3://mlops-data/nothing-here.json')).rejects.toMatchObject({
          name: 'ObjectNotFoundError',
          uri: 's3://mlops-data/nothing-here.json',
        });
        await expect(store.get('s3://mlops-data/nothing-here.json')).rejects.toBeInstanceOf(ObjectNotFoundError);
      });

      it('throws ObjectNotFoundError for a prefix that only holds other objects', async () => {
        const { store } = subject();
        await store.put('s3://mlops-data/train/data.jsonl', 'x');
        await expect(store.get('s3://mlops-data/train')).rejects.toBeInstanceOf(ObjectNotFoundError);
      });
    });

    describe('list', () => {
      it('lists every object under a prefix as sorted URIs, across pages', async () => {
        const { store } = subject();
        for (const key of ['runs/b/2.json', 'runs/a/1.json', 'runs/c.json', 'runs/a/0.json', 'other/x.json']) await store.put(`s3://mlops-data/${key}`, key);

        expect(await store.list('s3://mlops-data/runs/')).toEqual([
          's3://mlops-data/runs/a/0.json',
          's3://mlops-data/runs/a/1.json',
          's3://mlops-data/runs/b/2.json',
          's3://mlops-data/runs/c.json',
        ]);
      });

      it('takes the prefix as a plain string prefix, and the bare bucket as everything', async () => {
        const { store } = subject();
        for (const key of ['data-2025.csv', 'data/x.csv', 'model.tar.gz']) await store.put(`s3://mlops-data/${key}`, key);

        expect(await store.list('s3://mlops-data/data')).toEqual(['s3://mlops-data/data-2025.csv', 's3://mlops-data/data/x.csv']);
        expect(await store.list('s3://mlops-data')).toHaveLength(3);
      });

      // S3 allows it; the twin keeps objects as files, so a key cannot also be a folder (reported, not fixed here).
      it.todo('keeps an object at a key that is also the prefix of other keys (s3://b/a beside s3://b/a/b)');

      it('lists nothing under a prefix that holds nothing', async () => {
        const { store } = subject();
        await store.put('s3://mlops-data/a.json', 'a');
        expect(await store.list('s3://mlops-data/none/')).toEqual([]);
      });
    });

    it('rejects a URI that is not s3://bucket/key before storing anything', async () => {
      const { store } = subject();
      await expect(store.put('mlops-data/key', 'x')).rejects.toThrow(RangeError);
      await expect(store.get('s3://mlops-data/')).rejects.toThrow(RangeError);
    });
  });
}
