import { SqliteFeatureStore } from '../../local/adapters/sqlite-feature-store';
import { SageMakerFeatureStore } from '../../src/adapters/aws/sagemaker-feature-store';
import { aTwinHome } from '../builders/twin-home';
import { fakeFeatureStore } from './fakes/feature-store';
import { describeFeatureStoreContract } from './feature-store.contract';

describeFeatureStoreContract('SqliteFeatureStore (the twin)', () => {
  const home = aTwinHome();
  return { store: new SqliteFeatureStore(home.db), dispose: home.dispose };
});

describeFeatureStoreContract('SageMakerFeatureStore over an in-memory online store', () => {
  const featureStore = fakeFeatureStore({ processedPerCall: 60 });
  const store = new SageMakerFeatureStore({ featureGroupName: 'btc-tx-fees-1min', client: featureStore.client, sleep: async () => {} });
  return { store, dispose: featureStore.restore };
});
