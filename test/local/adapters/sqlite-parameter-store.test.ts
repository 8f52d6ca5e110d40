import { ParameterAlreadyExistsError, ParameterNotFoundError } from '../../../src/ports/errors';
import { SqliteParameterStore } from '../../../local/adapters/sqlite-parameter-store';
import { aTwinHome } from '../../builders/twin-home';

describe('Class: SqliteParameterStore', () => {
  let home: ReturnType<typeof aTwinHome>;
  let store: SqliteParameterStore;
  beforeEach(() => {
    home = aTwinHome();
    store = new SqliteParameterStore(home.db);
  });
  afterEach(() => home.dispose());

  it('versions every write and reads the latest or a given version', async () => {
    expect((await store.put('/mlops/dev/threshold', '0.5')).version).toBe(1);
    expect((await store.put('/mlops/dev/threshold', '0.4', { overwrite: true })).version).toBe(2);
    expect(await store.get('/mlops/dev/threshold')).toMatchObject({ value: '0.4', version: 2 });
    expect(await store.get('/mlops/dev/threshold', 1)).toMatchObject({ value: '0.5', version: 1 });
    expect((await store.history('/mlops/dev/threshold')).map((p) => p.value)).toEqual(['0.5', '0.4']);
  });

  it('does not overwrite a value unless asked, so seeding defaults keeps what users set', async () => {
    await store.put('/mlops/dev/threshold', '0.31');
    await expect(store.put('/mlops/dev/threshold', '0.5')).rejects.toThrow(ParameterAlreadyExistsError);
    expect((await store.get('/mlops/dev/threshold')).value).toBe('0.31');
  });

  it('throws ParameterNotFoundError for an unknown name or version', async () => {
    await expect(store.get('/mlops/dev/nope')).rejects.toThrow(ParameterNotFoundError);
    await store.put('/mlops/dev/k', 'v');
    await expect(store.get('/mlops/dev/k', 7)).rejects.toThrow('no parameter /mlops/dev/k at version 7');
  });

  it('rejects names that are not paths', async () => {
    await expect(store.put('threshold', '1')).rejects.toThrow('must be a path');
  });
});
