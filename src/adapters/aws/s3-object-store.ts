/** Amazon S3 behind the ObjectStore port. */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ObjectNotFoundError, StoreError } from '../../ports/errors';
import { type ObjectStore, parseS3Uri, s3Uri } from '../../ports/object-store';

export interface S3ObjectStoreOptions {
  client?: S3Client;
}

export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;

  constructor(options: S3ObjectStoreOptions = {}) {
    this.client = options.client ?? new S3Client({});
  }

  async put(uri: string, body: string | Uint8Array, contentType?: string): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ...(contentType === undefined ? {} : { ContentType: contentType }),
      }),
    );
  }

  /** Throws ObjectNotFoundError when S3 answers NoSuchKey. */
  async get(uri: string): Promise<Buffer> {
    const { bucket, key } = parseS3Uri(uri);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!response.Body) throw new StoreError(`GetObject ${uri} returned no body`);
      return Buffer.from(await response.Body.transformToByteArray());
    } catch (error) {
      if (isNamed(error, 'NoSuchKey')) throw new ObjectNotFoundError(uri, { cause: error });
      throw error;
    }
  }

  /** Every object under the prefix, following ListObjectsV2 continuation tokens, as sorted URIs. */
  async list(prefixUri: string): Promise<string[]> {
    const { bucket, key: prefix } = parseS3Uri(prefixUri, { allowEmptyKey: true });
    const uris: string[] = [];
    let token: string | undefined;
    do {
      const response = await this.client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
      for (const object of response.Contents ?? []) if (object.Key !== undefined) uris.push(s3Uri(bucket, object.Key));
      token = response.IsTruncated ? response.NextContinuationToken : undefined;
    } while (token !== undefined);
    // S3 lists keys in UTF-8 binary order; sort by code unit so both runtimes agree exactly.
    return uris.sort();
  }
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
