/**
 * Field validators with SageMaker's constraints. Each takes the value and its path in the request
 * (`TransformInput.DataSource.S3DataSource.S3Uri`) and throws a ValidationException naming that path.
 */
import { statSync } from 'node:fs';
import type { FsObjectStore } from '../adapters/fs-object-store';
import { parseS3Uri } from '../../src/ports/object-store';
import { invalid, validationError } from './errors';

/** SageMaker's pattern for job, model and group names (at most 63 characters). */
export const NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
export const INSTANCE_TYPE_PATTERN = /^(ml\.[a-z0-9-]+\.[a-z0-9]+|local)$/;
/** DeepAR's repository (e.g. `522234722520.dkr.ecr.us-east-1.amazonaws.com/forecasting-deepar:1`, `forecasting-deepar:local`). */
export const DEEPAR_REPOSITORY = 'forecasting-deepar';

/** Narrows a request: it must be a JSON object. */
export function requireObject<T>(value: unknown, field: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw validationError(field, value, 'Member must be an object');
  }
  return value as T;
}

export function required<T>(value: T | undefined | null, field: string): T {
  if (value === undefined || value === null) throw validationError(field, value, 'Member must not be null');
  return value;
}

export function requireString(value: unknown, field: string, maxLength = 1024): string {
  if (typeof value !== 'string') throw validationError(field, value, value == null ? 'Member must not be null' : 'Member must be a string');
  if (value.length > maxLength) throw validationError(field, value, `Member must have length less than or equal to ${maxLength}`);
  return value;
}

export function requireName(value: unknown, field: string): string {
  const name = requireString(value, field, 63);
  if (!NAME_PATTERN.test(name)) {
    throw validationError(field, name, `Member must satisfy regular expression pattern: ${NAME_PATTERN.source}`);
  }
  return name;
}

export function requireOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (!allowed.includes(value as T)) {
    throw validationError(field, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as T;
}

export function requireInteger(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw validationError(field, value, `Member must be an integer between ${min} and ${max}`);
  }
  return value;
}

export function requireRoleArn(value: unknown, field: string): string {
  const arn = requireString(value, field, 2048);
  if (!ROLE_ARN_PATTERN.test(arn)) {
    throw validationError(field, arn, `Member must satisfy regular expression pattern: ${ROLE_ARN_PATTERN.source}`);
  }
  return arn;
}

export function requireInstanceType(value: unknown, field: string): string {
  const type = requireString(value, field, 64);
  if (!INSTANCE_TYPE_PATTERN.test(type)) throw validationError(field, type, 'Member must be an instance type such as ml.m5.large');
  return type;
}

/** The local twin runs DeepAR only: the image's repository must be forecasting-deepar. */
export function requireDeepARImage(value: unknown, field: string): string {
  const image = requireString(value, field, 255);
  const withoutDigest = image.split('@')[0];
  const repository = withoutDigest.replace(/:[^/:]+$/, '').split('/').pop() ?? '';
  if (!repository.includes(DEEPAR_REPOSITORY)) {
    throw invalid(
      `${field}: image '${image}' is not DeepAR's: the local SageMaker runs only the ${DEEPAR_REPOSITORY} algorithm ` +
        `(e.g. 522234722520.dkr.ecr.us-east-1.amazonaws.com/${DEEPAR_REPOSITORY}:1 or ${DEEPAR_REPOSITORY}:local)`,
      field,
    );
  }
  return image;
}

export function requireStringMap(value: unknown, field: string, { maxEntries = 100, maxKey = 256, maxValue = 2500 } = {}): Record<string, string> {
  const map = requireObject<Record<string, unknown>>(value, field);
  const entries = Object.entries(map);
  if (entries.length > maxEntries) throw validationError(field, `${entries.length} entries`, `Member must have at most ${maxEntries} entries`);
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > maxKey) throw validationError(`${field}.${k}`, k, `Map keys must have length between 1 and ${maxKey}`);
    requireString(v, `${field}.${k}`, maxValue);
  }
  return map as Record<string, string>;
}

/** An `s3://bucket/key` URI; a prefix may have an empty key. */
export function requireS3Uri(value: unknown, field: string, { prefix = false } = {}): string {
  const uri = requireString(value, field, 1024);
  try {
    parseS3Uri(uri, { allowEmptyKey: prefix });
  } catch (e) {
    throw validationError(field, uri, `Member must be an S3 URI s3://bucket/key (${(e as Error).message})`);
  }
  return uri;
}

/** The URIs of the objects under an S3 prefix; a ValidationException when there is none. */
export async function requireObjectsUnder(store: FsObjectStore, prefixUri: string, field: string): Promise<string[]> {
  const uris = await store.list(prefixUri);
  if (uris.length === 0) throw invalid(`${field}: no S3 objects found under S3 URL "${prefixUri}" in the local object store`, field);
  return uris;
}

/** An object that must exist (e.g. a model's model.tar.gz). */
export function requireExistingObject(store: FsObjectStore, uri: string, field: string): void {
  let isFile = false;
  try {
    isFile = statSync(store.pathOf(uri)).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) throw invalid(`${field}: could not find the object "${uri}" in the local object store`, field);
}
