/** Object storage in a directory: `s3://bucket/key` is stored at `<objectsDir>/bucket/key`. */
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { ObjectNotFoundError } from '../../src/ports/errors';
import { parseS3Uri, s3Uri, type ObjectStore } from '../../src/ports/object-store';

export class FsObjectStore implements ObjectStore {
  constructor(readonly objectsDir: string) {}

  /** The file behind a URI. Keys cannot climb out of the objects directory. */
  pathOf(uri: string, { allowEmptyKey = false } = {}): string {
    const { bucket, key } = parseS3Uri(uri, { allowEmptyKey });
    if (key.split('/').some((part) => part === '..' || part === '.')) {
      throw new RangeError(`${uri} has a "." or ".." path segment, which the local object store does not accept`);
    }
    return join(this.objectsDir, bucket, ...key.split('/').filter(Boolean));
  }

  async put(uri: string, body: string | Uint8Array): Promise<void> {
    if (uri.endsWith('/')) throw new RangeError(`${uri} ends with "/": an object key cannot`);
    const path = this.pathOf(uri);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename: a reader sees the old object or the new one, never half of one.
    const temporary = `${path}.${process.pid}.${Date.now()}.partial`;
    await writeFile(temporary, body);
    await rename(temporary, path);
  }

  async get(uri: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(uri));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') {
        throw new ObjectNotFoundError(uri, { cause: error });
      }
      throw error;
    }
  }

  async list(prefixUri: string): Promise<string[]> {
    const { bucket, key: prefix } = parseS3Uri(prefixUri, { allowEmptyKey: true });
    const bucketDir = join(this.objectsDir, bucket);
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (!entry.name.endsWith('.partial')) keys.push(relative(bucketDir, path).split(sep).join('/'));
      }
    };
    await walk(bucketDir);
    return keys.filter((k) => k.startsWith(prefix)).sort().map((k) => s3Uri(bucket, k));
  }
}
