/** The twin's home: private to its user, and the record of where `mlops up` serves it. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../../local/adapters/fs-object-store';
import { openHome, recordServingUrl, servingUrl } from '../../local/home';

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('Function: openHome', () => {
  let parent: string;
  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'mlops-home-'));
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  it('creates the database 0600 and directories 0700, and so does everything the twin writes there', async () => {
    // Prepare
    const dir = join(parent, 'home');
    // Act
    const home = openHome(dir);
    home.db.prepare('CREATE TABLE IF NOT EXISTS probe (x)').run();
    await new FsObjectStore(home.objectsDir).put('s3://bucket/models/run-1/model.tar.gz', 'weights');
    // Assess
    try {
      expect(modeOf(dir)).toBe(0o700);
      expect(modeOf(home.objectsDir)).toBe(0o700);
      expect(modeOf(join(dir, 'twin.db'))).toBe(0o600);
      expect(modeOf(join(dir, 'twin.db-wal'))).toBe(0o600);
      expect(modeOf(join(home.objectsDir, 'bucket', 'models'))).toBe(0o700);
      expect(modeOf(new FsObjectStore(home.objectsDir).pathOf('s3://bucket/models/run-1/model.tar.gz'))).toBe(0o600);
    } finally {
      home.close();
    }
  });

  it('closes a home left readable by others to them', () => {
    // Prepare: a home as an older twin left it
    const dir = join(parent, 'old');
    openHome(dir).close();
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'twin.db'), 0o644);
    // Act
    openHome(dir).close();
    // Assess
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(join(dir, 'twin.db'))).toBe(0o600);
  });
});

describe('Function: servingUrl', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mlops-serving-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is where `mlops up` last served this home, whatever its port', () => {
    // Act
    recordServingUrl({ dir }, 'http://127.0.0.1:9137');
    // Assess
    expect(servingUrl({ dir }, { MLOPS_PORT: '8080' })).toBe('http://127.0.0.1:9137');
    expect(modeOf(join(dir, 'serving.json'))).toBe(0o600);
  });

  it('before any `mlops up`, is the port `up` would take: MLOPS_PORT, else 8080', () => {
    expect(servingUrl({ dir }, { MLOPS_PORT: '9000' })).toBe('http://127.0.0.1:9000');
    expect(servingUrl({ dir }, {})).toBe('http://127.0.0.1:8080');
  });

  it('ignores an unreadable record', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'serving.json'), '{not json');
    expect(servingUrl({ dir }, {})).toBe('http://127.0.0.1:8080');
  });
});
