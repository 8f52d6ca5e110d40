import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  ParameterVersionNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { SsmParameterStore } from '../../../src/adapters/aws';
import { ParameterAlreadyExistsError, ParameterNotFoundError } from '../../../src/ports/errors';

const NAME = '/btc-fee/dev/loss-threshold';
const ssmMock = mockClient(SSMClient);

function newStore() {
  return new SsmParameterStore({ client: new SSMClient({ region: 'eu-west-1' }) });
}

/** Test-data mother: a String parameter as SSM returns it. */
function aParameter(version: number, value: string) {
  return {
    Name: NAME,
    Type: 'String' as const,
    Value: value,
    Version: version,
    LastModifiedDate: new Date(Date.UTC(2025, 2, 5, 0, version)),
  };
}

beforeEach(() => {
  ssmMock.reset();
});

describe('Function: SsmParameterStore.get', () => {
  it('reads the latest version by name', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).resolves({ Parameter: aParameter(4, '0.12') });
    const store = newStore();

    // Act
    const parameter = await store.get(NAME);

    // Assess
    expect(ssmMock).toReceiveCommandTimes(GetParameterCommand, 1);
    expect(ssmMock).toReceiveCommandWith(GetParameterCommand, { Name: NAME });
    expect(ssmMock.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({ Name: NAME });
    expect(parameter).toEqual({ name: NAME, value: '0.12', version: 4, lastModified: new Date('2025-03-05T00:04:00Z') });
  });

  it('reads a given version with the name:version selector', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).resolves({ Parameter: { ...aParameter(3, '0.2'), Selector: ':3' } });
    const store = newStore();

    // Act
    const parameter = await store.get(NAME, 3);

    // Assess
    expect(ssmMock).toReceiveCommandWith(GetParameterCommand, { Name: `${NAME}:3` });
    expect(parameter).toMatchObject({ name: NAME, value: '0.2', version: 3 });
  });

  it('throws ParameterNotFoundError when SSM answers ParameterNotFound', async () => {
    // Prepare
    const notFound = new ParameterNotFound({ message: '', $metadata: {} });
    ssmMock.on(GetParameterCommand).rejects(notFound);
    const store = newStore();

    // Act
    const attempt = store.get(NAME);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ParameterNotFoundError);
    await expect(attempt).rejects.toMatchObject({ name: 'ParameterNotFoundError', parameterName: NAME, cause: notFound });
    expect(ssmMock).toReceiveCommandWith(GetParameterCommand, { Name: NAME });
  });

  it('throws ParameterNotFoundError naming the version when SSM answers ParameterVersionNotFound', async () => {
    // Prepare
    ssmMock.on(GetParameterCommand).rejects(new ParameterVersionNotFound({ message: '', $metadata: {} }));
    const store = newStore();

    // Act
    const attempt = store.get(NAME, 9);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ParameterNotFoundError', message: `no parameter ${NAME} at version 9` });
    expect(ssmMock).toReceiveCommandWith(GetParameterCommand, { Name: `${NAME}:9` });
  });

  it('rejects a version that is not a positive integer without calling SSM', async () => {
    // Prepare
    const store = newStore();

    // Act
    const attempt = store.get(NAME, 0);

    // Assess
    await expect(attempt).rejects.toThrow(RangeError);
    expect(ssmMock).not.toReceiveAnyCommand();
  });
});

describe('Function: SsmParameterStore.put', () => {
  it('puts a String without overwrite by default, then reads back the new version', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).resolves({ Version: 1, Tier: 'Standard' });
    ssmMock.on(GetParameterCommand).resolves({ Parameter: aParameter(1, '0.3') });
    const store = newStore();

    // Act
    const parameter = await store.put(NAME, '0.3');

    // Assess
    expect(ssmMock).toReceiveCommandWith(PutParameterCommand, { Name: NAME, Value: '0.3', Type: 'String', Overwrite: false });
    expect(ssmMock.commandCalls(PutParameterCommand)[0].args[0].input).toEqual({
      Name: NAME,
      Value: '0.3',
      Type: 'String',
      Overwrite: false,
    });
    expect(ssmMock).toReceiveCommandWith(GetParameterCommand, { Name: `${NAME}:1` });
    expect(parameter).toEqual({ name: NAME, value: '0.3', version: 1, lastModified: new Date('2025-03-05T00:01:00Z') });
  });

  it('passes Overwrite and Description when asked', async () => {
    // Prepare
    ssmMock.on(PutParameterCommand).resolves({ Version: 5 });
    ssmMock.on(GetParameterCommand).resolves({ Parameter: aParameter(5, '0.1') });
    const store = newStore();

    // Act
    const parameter = await store.put(NAME, '0.1', { overwrite: true, description: 'mean wQuantileLoss threshold' });

    // Assess
    expect(ssmMock).toReceiveCommandWith(PutParameterCommand, {
      Name: NAME,
      Value: '0.1',
      Type: 'String',
      Overwrite: true,
      Description: 'mean wQuantileLoss threshold',
    });
    expect(ssmMock).toReceiveCommandWith(GetParameterCommand, { Name: `${NAME}:5` });
    expect(parameter.version).toBe(5);
  });

  it('throws ParameterAlreadyExistsError when SSM answers ParameterAlreadyExists', async () => {
    // Prepare
    const exists = new ParameterAlreadyExists({ message: 'The parameter already exists.', $metadata: {} });
    ssmMock.on(PutParameterCommand).rejects(exists);
    const store = newStore();

    // Act
    const attempt = store.put(NAME, '0.3');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ParameterAlreadyExistsError);
    await expect(attempt).rejects.toMatchObject({ name: 'ParameterAlreadyExistsError', parameterName: NAME, cause: exists });
    expect(ssmMock).toReceiveCommandWith(PutParameterCommand, { Name: NAME, Overwrite: false });
    expect(ssmMock).not.toReceiveCommand(GetParameterCommand);
  });
});

describe('Function: SsmParameterStore.history', () => {
  it('follows NextToken and returns every version oldest first', async () => {
    // Prepare
    ssmMock
      .on(GetParameterHistoryCommand)
      .resolvesOnce({ Parameters: [aParameter(1, '0.3'), aParameter(2, '0.25')], NextToken: 'page-2' })
      .resolvesOnce({ Parameters: [aParameter(3, '0.2')] });
    const store = newStore();

    // Act
    const versions = await store.history(NAME);

    // Assess
    expect(ssmMock).toReceiveCommandTimes(GetParameterHistoryCommand, 2);
    expect(ssmMock).toReceiveNthSpecificCommandWith(1, GetParameterHistoryCommand, { Name: NAME, MaxResults: 50 });
    expect(ssmMock).toReceiveNthSpecificCommandWith(2, GetParameterHistoryCommand, { Name: NAME, MaxResults: 50, NextToken: 'page-2' });
    expect(ssmMock.commandCalls(GetParameterHistoryCommand)[0].args[0].input).toEqual({ Name: NAME, MaxResults: 50 });
    expect(versions.map((p) => [p.version, p.value])).toEqual([
      [1, '0.3'],
      [2, '0.25'],
      [3, '0.2'],
    ]);
    expect(versions[0]).toEqual({ name: NAME, value: '0.3', version: 1, lastModified: new Date('2025-03-05T00:01:00Z') });
  });

  it('throws ParameterNotFoundError for an unknown parameter', async () => {
    // Prepare
    ssmMock.on(GetParameterHistoryCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));
    const store = newStore();

    // Act
    const attempt = store.history(NAME);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ParameterNotFoundError', parameterName: NAME });
    expect(ssmMock).toReceiveCommandWith(GetParameterHistoryCommand, { Name: NAME });
  });
});
