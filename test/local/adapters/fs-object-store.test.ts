import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectNotFoundError } from '../../../src/ports/errors';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import { aTwinHome } from '../../builders/twin-home';

describe('Class: FsObjectStore', () => {
  let home: ReturnType<typeof aTwinHome>;
  let store: FsObjectStore;
  beforeEach(() => {
    home = aTwinHome();
    store = new FsObjectStore(home.objectsDir);
  });
  afterEach(() => home.dispose());

  it('stores s3://bucket/key under the objects directory and reads it back', async () => {
    await store.put('s3://mlops-local/training/run-1/train/data.jsonl', '{"start":"2025-03-05 00:00:00","target":[1]}\n');
    expect(existsSync(join(home.objectsDir, 'mlops-local', 'training', 'run-1', 'train', 'data.jsonl'))).toBe(true);
    expect((await store.get('s3://mlops-local/training/run-1/train/data.jsonl')).toString()).toContain('"target":[1]');
  });

  it('lists the objects under a prefix, sorted', async () => {
    await store.put('s3://mlops-local/a/2.txt', 'x');
    await store.put('s3://mlops-local/a/1.txt', 'x');
    await store.put('s3://mlops-local/b/3.txt', 'x');
    expect(await store.list('s3://mlops-local/a/')).toEqual(['s3://mlops-local/a/1.txt', 's3://mlops-local/a/2.txt']);
    expect(await store.list('s3://mlops-local')).toHaveLength(3);
    expect(await store.list('s3://empty-bucket/x')).toEqual([]);
  });

  it('throws ObjectNotFoundError for a missing object', async () => {
    await expect(store.get('s3://mlops-local/nope')).rejects.toThrow(ObjectNotFoundError);
    await expect(store.get('s3://mlops-local/nope')).rejects.toThrow('no object at s3://mlops-local/nope');
  });

  it('refuses URIs that are not s3:// or that climb out of the store', async () => {
    await expect(store.put('/etc/passwd', 'x')).rejects.toThrow('is not an s3://bucket/key URI');
    await expect(store.put('s3://mlops-local/../../etc/passwd', 'x')).rejects.toThrow('".." path segment');
    await expect(store.put('s3://Bad_Bucket/key', 'x')).rejects.toThrow('not a valid bucket name');
  });
});
