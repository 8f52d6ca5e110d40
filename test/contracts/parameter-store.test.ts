import { SqliteParameterStore } from '../../local/adapters/sqlite-parameter-store';
import { SsmParameterStore } from '../../src/adapters/aws/ssm-parameter-store';
import { aTwinHome } from '../builders/twin-home';
import { fakeSsm } from './fakes/ssm';
import { describeParameterStoreContract } from './parameter-store.contract';

describeParameterStoreContract('SqliteParameterStore (the twin)', () => {
  const home = aTwinHome();
  return { store: new SqliteParameterStore(home.db), dispose: home.dispose };
});

describeParameterStoreContract('SsmParameterStore over an in-memory SSM', () => {
  const ssm = fakeSsm({ pageSize: 2 });
  return { store: new SsmParameterStore({ client: ssm.client }), dispose: ssm.restore };
});
