/**
 * An in-memory SageMaker Feature Store online store behind aws-sdk-client-mock: PutRecord keeps, per
 * record identifier (`tx_minute`), the record with the latest event time, as the online store does;
 * BatchGetRecord answers at most `processedPerCall` identifiers a call and returns the rest as
 * UnprocessedIdentifiers, so the adapter's retry runs.
 */
import {
  BatchGetRecordCommand,
  type BatchGetRecordIdentifier,
  type FeatureValue,
  PutRecordCommand,
  SageMakerFeatureStoreRuntimeClient,
} from '@aws-sdk/client-sagemaker-featurestore-runtime';
import { mockClient } from 'aws-sdk-client-mock';

const valueOf = (record: FeatureValue[], name: string) => record.find((f) => f.FeatureName === name)?.ValueAsString;

export function fakeFeatureStore({ identifierName = 'tx_minute', eventTimeName = 'event_time', processedPerCall = 60 } = {}) {
  const records = new Map<string, FeatureValue[]>();
  const mock = mockClient(SageMakerFeatureStoreRuntimeClient);

  mock.on(PutRecordCommand).callsFake(async ({ Record }) => {
    const id = valueOf(Record!, identifierName)!;
    const existing = records.get(id);
    if (!existing || Date.parse(valueOf(existing, eventTimeName)!) <= Date.parse(valueOf(Record!, eventTimeName)!)) records.set(id, Record!);
    return {};
  });
  mock.on(BatchGetRecordCommand).callsFake(async ({ Identifiers }) => {
    const asked: Array<{ group: string; id: string; names?: string[] }> = (Identifiers as BatchGetRecordIdentifier[]).flatMap((i) =>
      (i.RecordIdentifiersValueAsString ?? []).map((id) => ({ group: i.FeatureGroupName!, id, names: i.FeatureNames })),
    );
    const now = asked.slice(0, processedPerCall);
    const later = asked.slice(processedPerCall);
    return {
      Records: now
        .filter(({ id }) => records.has(id))
        .map(({ group, id, names }) => ({
          FeatureGroupName: group,
          RecordIdentifierValueAsString: id,
          Record: records.get(id)!.filter((f) => !names || names.includes(f.FeatureName!)),
        })),
      Errors: [],
      UnprocessedIdentifiers: later.length
        ? [{ FeatureGroupName: later[0].group, RecordIdentifiersValueAsString: later.map((l) => l.id), FeatureNames: later[0].names }]
        : [],
    };
  });

  return { client: new SageMakerFeatureStoreRuntimeClient({ region: 'eu-west-1' }), restore: () => mock.restore() };
}
