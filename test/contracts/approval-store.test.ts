import { SqliteApprovalStore } from '../../local/adapters/sqlite-approval-store';
import { DELIVERY_INDEX, DynamoDbApprovalStore, STATUS_INDEX } from '../../src/adapters/aws/dynamodb-approval-store';
import { aTwinHome } from '../builders/twin-home';
import { describeApprovalStoreContract } from './approval-store.contract';
import { fakeDynamoDbTable } from './fakes/dynamodb';

describeApprovalStoreContract('SqliteApprovalStore (the twin)', () => {
  const home = aTwinHome();
  return { store: new SqliteApprovalStore(home.db), dispose: home.dispose };
});

describeApprovalStoreContract('DynamoDbApprovalStore over an in-memory table', () => {
  // The table serverless.yml declares: key idHash, indexes status-createdAt and (sparse) deliveryState-createdAt.
  const table = fakeDynamoDbTable(
    {
      partitionKey: 'idHash',
      indexes: { [STATUS_INDEX]: { partitionKey: 'status', sortKey: 'createdAt' }, [DELIVERY_INDEX]: { partitionKey: 'deliveryState', sortKey: 'createdAt' } },
    },
    { pageSize: 2 },
  );
  return { store: new DynamoDbApprovalStore({ tableName: 'approvals', client: table.client }), dispose: table.restore };
});
