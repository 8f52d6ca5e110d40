import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHome, type TwinHome } from '../../local/home';

/** A fresh twin data dir in a temporary folder, removed by `dispose`. */
export function aTwinHome(): TwinHome & { dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-test-'));
  const home = openHome(dir);
  return {
    ...home,
    dispose() {
      home.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
