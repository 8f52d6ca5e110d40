/** The local twin's services wired over one data dir: what the CLI, the executor and the tests share. */
import { FsObjectStore } from './adapters/fs-object-store';
import { SqliteFeatureStore } from './adapters/sqlite-feature-store';
import { SqliteParameterStore } from './adapters/sqlite-parameter-store';
import { openHome, resolveHomeDir, type TwinHome } from './home';

export interface Twin {
  home: TwinHome;
  featureStore: SqliteFeatureStore;
  objectStore: FsObjectStore;
  parameterStore: SqliteParameterStore;
  close(): void;
}

export function openTwin(homeDir?: string): Twin {
  const home = openHome(resolveHomeDir(homeDir));
  return {
    home,
    featureStore: new SqliteFeatureStore(home.db),
    objectStore: new FsObjectStore(home.objectsDir),
    parameterStore: new SqliteParameterStore(home.db),
    close: () => home.close(),
  };
}
