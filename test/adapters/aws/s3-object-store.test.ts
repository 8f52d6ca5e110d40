import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3ObjectStore } from '../../../src/adapters/aws';
import { ObjectNotFoundError } from '../../../src/ports/errors';

const s3Mock = mockClient(S3Client);

function newStore() {
  return new S3ObjectStore({ client: new S3Client({ region: 'eu-west-1' }) });
}

/** The part of an SDK stream body the adapter reads. */
function aBody(text: string) {
  return { transformToByteArray: async () => new TextEncoder().encode(text) } as never;
}

beforeEach(() => {
  s3Mock.reset();
});

describe('Function: S3ObjectStore.put', () => {
  it('sends PutObject with bucket, key, body and content type', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).resolves({});
    const store = newStore();

    // Act
    await store.put('s3://mlops-data/train/data.jsonl', '{"start":"2025-03-05 00:00:00","target":[1]}\n', 'application/jsonlines');

    // Assess
    expect(s3Mock).toReceiveCommandTimes(PutObjectCommand, 1);
    expect(s3Mock).toReceiveCommandWith(PutObjectCommand, {
      Bucket: 'mlops-data',
      Key: 'train/data.jsonl',
      Body: '{"start":"2025-03-05 00:00:00","target":[1]}\n',
      ContentType: 'application/jsonlines',
    });
  });

  it('leaves ContentType out when none is given', async () => {
    // Prepare
    s3Mock.on(PutObjectCommand).resolves({});
    const store = newStore();
    const body = new Uint8Array([1, 2, 3]);

    // Act
    await store.put('s3://mlops-data/model/model.tar.gz', body);

    // Assess
    expect(s3Mock).toReceiveCommandWith(PutObjectCommand, { Bucket: 'mlops-data', Key: 'model/model.tar.gz', Body: body });
    expect(s3Mock.commandCalls(PutObjectCommand)[0].args[0].input).toEqual({
      Bucket: 'mlops-data',
      Key: 'model/model.tar.gz',
      Body: body,
    });
  });

  it('rejects a URI without a key before calling S3', async () => {
    // Prepare
    const store = newStore();

    // Act
    const attempt = store.put('s3://mlops-data/', 'x');

    // Assess
    await expect(attempt).rejects.toThrow(RangeError);
    expect(s3Mock).not.toReceiveAnyCommand();
  });
});

describe('Function: S3ObjectStore.get', () => {
  it('returns the object body as a Buffer', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).resolves({ Body: aBody('hello') });
    const store = newStore();

    // Act
    const body = await store.get('s3://mlops-data/a/b.json');

    // Assess
    expect(s3Mock).toReceiveCommandWith(GetObjectCommand, { Bucket: 'mlops-data', Key: 'a/b.json' });
    expect(Buffer.isBuffer(body)).toBe(true);
    expect(body.toString('utf8')).toBe('hello');
  });

  it('throws ObjectNotFoundError when S3 answers NoSuchKey', async () => {
    // Prepare
    const noSuchKey = new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    s3Mock.on(GetObjectCommand).rejects(noSuchKey);
    const store = newStore();

    // Act
    const attempt = store.get('s3://mlops-data/missing.json');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(attempt).rejects.toMatchObject({ name: 'ObjectNotFoundError', uri: 's3://mlops-data/missing.json', cause: noSuchKey });
    expect(s3Mock).toReceiveCommandWith(GetObjectCommand, { Bucket: 'mlops-data', Key: 'missing.json' });
  });

  it('lets other S3 errors through unchanged', async () => {
    // Prepare
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    s3Mock.on(GetObjectCommand).rejects(denied);
    const store = newStore();

    // Act
    const attempt = store.get('s3://mlops-data/secret.json');

    // Assess
    await expect(attempt).rejects.toBe(denied);
    expect(s3Mock).toReceiveCommandWith(GetObjectCommand, { Bucket: 'mlops-data', Key: 'secret.json' });
  });
});

describe('Function: S3ObjectStore.list', () => {
  it('follows continuation tokens and returns sorted s3:// URIs', async () => {
    // Prepare
    s3Mock
      .on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: 'runs/b.json' }, { Key: 'runs/a.json' }], IsTruncated: true, NextContinuationToken: 'page-2' })
      .resolvesOnce({ Contents: [{ Key: 'runs/0.json' }], IsTruncated: false });
    const store = newStore();

    // Act
    const uris = await store.list('s3://mlops-data/runs/');

    // Assess
    expect(s3Mock).toReceiveCommandTimes(ListObjectsV2Command, 2);
    expect(s3Mock).toReceiveNthSpecificCommandWith(1, ListObjectsV2Command, { Bucket: 'mlops-data', Prefix: 'runs/' });
    expect(s3Mock).toReceiveNthSpecificCommandWith(2, ListObjectsV2Command, {
      Bucket: 'mlops-data',
      Prefix: 'runs/',
      ContinuationToken: 'page-2',
    });
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0].args[0].input).toEqual({ Bucket: 'mlops-data', Prefix: 'runs/' });
    expect(uris).toEqual(['s3://mlops-data/runs/0.json', 's3://mlops-data/runs/a.json', 's3://mlops-data/runs/b.json']);
  });

  it('lists a whole bucket without a Prefix', async () => {
    // Prepare
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'x' }], IsTruncated: false });
    const store = newStore();

    // Act
    const uris = await store.list('s3://mlops-data');

    // Assess
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0].args[0].input).toEqual({ Bucket: 'mlops-data' });
    expect(s3Mock).toReceiveCommandWith(ListObjectsV2Command, { Bucket: 'mlops-data' });
    expect(uris).toEqual(['s3://mlops-data/x']);
  });

  it('returns an empty list when nothing is under the prefix', async () => {
    // Prepare
    s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0, IsTruncated: false });
    const store = newStore();

    // Act
    const uris = await store.list('s3://mlops-data/none/');

    // Assess
    expect(s3Mock).toReceiveCommandWith(ListObjectsV2Command, { Bucket: 'mlops-data', Prefix: 'none/' });
    expect(uris).toEqual([]);
  });
});
