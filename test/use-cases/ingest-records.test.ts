import { range, recordsFor } from '../builders/feature-records';
import { ingestRecords } from '../../src/use-cases/ingest-records';
import { InMemoryFeatureStore } from './fakes';

describe('Use case: ingestRecords', () => {
  it('writes the batch and says how many records it wrote', async () => {
    // Prepare
    const featureStore = new InMemoryFeatureStore();

    // Act
    const result = await ingestRecords({ featureStore }, { records: recordsFor(range(3)) });

    // Assess
    expect(result).toEqual({ written: 3 });
    expect(featureStore.records.map((r) => r.tx_minute)).toEqual(['2025-03-05T00:00:00Z', '2025-03-05T00:01:00Z', '2025-03-05T00:02:00Z']);
  });
});
