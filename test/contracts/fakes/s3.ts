/**
 * An in-memory S3 behind aws-sdk-client-mock: PutObject, GetObject (NoSuchKey when absent) and
 * ListObjectsV2 in pages of `pageSize` keys, in S3's key order, with continuation tokens.
 */
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

export function fakeS3({ pageSize = 2 } = {}) {
  const objects = new Map<string, Buffer>();
  const id = (bucket?: string, key?: string) => `${bucket}/${key}`;
  const mock = mockClient(S3Client);

  mock.on(PutObjectCommand).callsFake(async ({ Bucket, Key, Body }) => {
    objects.set(id(Bucket, Key), Buffer.from(Body as string | Uint8Array));
    return {};
  });
  mock.on(GetObjectCommand).callsFake(async ({ Bucket, Key }) => {
    const body = objects.get(id(Bucket, Key));
    if (!body) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
    // The part of the SDK's stream body the adapter reads.
    return { Body: { transformToByteArray: async () => new Uint8Array(body) } as never };
  });
  mock.on(ListObjectsV2Command).callsFake(async ({ Bucket, Prefix = '', ContinuationToken }) => {
    // S3 lists keys in UTF-8 binary order; for the keys used here, code unit order is the same.
    const keys = [...objects.keys()]
      .filter((k) => k.startsWith(`${Bucket}/${Prefix}`))
      .map((k) => k.slice(`${Bucket}/`.length))
      .sort();
    const start = ContinuationToken ? Number(ContinuationToken) : 0;
    const page = keys.slice(start, start + pageSize);
    const next = start + pageSize;
    return {
      Contents: page.map((Key) => ({ Key })),
      KeyCount: page.length,
      IsTruncated: next < keys.length,
      ...(next < keys.length ? { NextContinuationToken: String(next) } : {}),
    };
  });

  return { client: new S3Client({ region: 'eu-west-1' }), restore: () => mock.restore() };
}
