import { SqliteMonitoringStore } from '../../local/adapters/sqlite-monitoring-store';
import { DynamoDbMonitoringStore } from '../../src/adapters/aws/dynamodb-monitoring-store';
import { aTwinHome } from '../builders/twin-home';
import { fakeDynamoDbTable } from './fakes/dynamodb';
import { describeMonitoringStoreContract } from './monitoring-store.contract';

describeMonitoringStoreContract('SqliteMonitoringStore (the twin)', () => {
  const home = aTwinHome();
  return { store: new SqliteMonitoringStore(home.db), dispose: home.dispose };
});

describeMonitoringStoreContract('DynamoDbMonitoringStore over an in-memory table', () => {
  // The table serverless.yml declares: partition key kind, sort key sk.
  const table = fakeDynamoDbTable({ partitionKey: 'kind', sortKey: 'sk' }, { pageSize: 2 });
  return { store: new DynamoDbMonitoringStore({ tableName: 'monitoring', client: table.client }), dispose: table.restore };
});
