import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../../local/adapters/fs-object-store';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store';
import { fakeS3 } from './fakes/s3';
import { describeObjectStoreContract } from './object-store.contract';

describeObjectStoreContract('FsObjectStore (the twin)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'contract-objects-'));
  return { store: new FsObjectStore(dir), dispose: () => rmSync(dir, { recursive: true, force: true }) };
});

describeObjectStoreContract('S3ObjectStore over an in-memory S3', () => {
  const s3 = fakeS3({ pageSize: 2 });
  return { store: new S3ObjectStore({ client: s3.client }), dispose: s3.restore };
});
