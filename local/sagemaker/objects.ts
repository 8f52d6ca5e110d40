/**
 * Moving objects between the local object store and a job's working directory, as SageMaker's
 * containers see them: an S3 prefix becomes a directory, a directory becomes a model.tar.gz (unpacked by the ModelHost).
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { create } from 'tar';
import type { FsObjectStore } from '../adapters/fs-object-store';
import { parseS3Uri } from '../../src/ports/object-store';

/**
 * An object's name relative to the S3 prefix it was listed under: `s3://b/run/train/` + `run/train/a.json` → `a.json`;
 * a prefix that is not a folder keeps the rest of the key (`s3://b/run/tr` + `run/train/a.json` → `train/a.json`);
 * a prefix that is the object itself gives its base name.
 */
export function relativeName(prefixUri: string, objectUri: string): string {
  const { key: prefix } = parseS3Uri(prefixUri, { allowEmptyKey: true });
  const { key } = parseS3Uri(objectUri);
  if (key === prefix) return key.split('/').pop()!;
  const folder = prefix.endsWith('/') || prefix === '' ? prefix : prefix.slice(0, prefix.lastIndexOf('/') + 1);
  return key.slice(folder.length);
}

/** Copies every object under `prefixUri` into `dir`, keeping names relative to the prefix. Returns the files. */
export async function downloadPrefix(store: FsObjectStore, prefixUri: string, dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const uri of await store.list(prefixUri)) {
    const target = join(dir, ...relativeName(prefixUri, uri).split('/'));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(store.pathOf(uri), target);
    files.push(target);
  }
  return files;
}

/** Packs a directory's contents (not the directory itself) into a gzipped tarball, as SageMaker's model.tar.gz. */
export async function packDirectory(dir: string, tarball: string): Promise<void> {
  const entries = (await readdir(dir)).sort();
  await create({ gzip: true, cwd: dir, file: tarball, portable: true }, entries);
}
