/** Object storage addressed by `s3://bucket/key` URIs in both runtimes. */
export interface ObjectStore {
  put(uri: string, body: string | Uint8Array, contentType?: string): Promise<void>;
  /** Throws ObjectNotFoundError when nothing is stored at the URI. */
  get(uri: string): Promise<Buffer>;
  /** URIs of the objects under a prefix URI, sorted. */
  list(prefixUri: string): Promise<string[]>;
}

export interface S3Location {
  bucket: string;
  key: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://bucket/key`; the key may be empty only when `allowEmptyKey` (a prefix). */
export function parseS3Uri(uri: string, { allowEmptyKey = false } = {}): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new RangeError(`${JSON.stringify(uri)} is not an s3://bucket/key URI`);
  const [, bucket, key] = match;
  if (!BUCKET_NAME.test(bucket)) throw new RangeError(`${JSON.stringify(bucket)} in ${uri} is not a valid bucket name`);
  if (!key && !allowEmptyKey) throw new RangeError(`${uri} has no object key`);
  return { bucket, key };
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
