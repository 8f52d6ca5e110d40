/**
 * An in-memory SSM Parameter Store behind aws-sdk-client-mock: String parameters with versions,
 * `name:version` selectors, Overwrite, and GetParameterHistory in pages of `pageSize`.
 */
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

interface Version {
  Name: string;
  Value: string;
  Version: number;
  LastModifiedDate: Date;
  Type: 'String';
}

export function fakeSsm({ pageSize = 2, now = () => new Date() } = {}) {
  const parameters = new Map<string, Version[]>();
  const mock = mockClient(SSMClient);
  const $metadata = { httpStatusCode: 400 };

  mock.on(PutParameterCommand).callsFake(async ({ Name, Value, Overwrite }) => {
    const versions = parameters.get(Name!) ?? [];
    if (versions.length > 0 && !Overwrite) throw new ParameterAlreadyExists({ message: 'The parameter already exists.', $metadata });
    const version: Version = { Name: Name!, Value: Value!, Version: versions.length + 1, LastModifiedDate: now(), Type: 'String' };
    parameters.set(Name!, [...versions, version]);
    return { Version: version.Version, Tier: 'Standard' };
  });
  mock.on(GetParameterCommand).callsFake(async ({ Name }) => {
    const [name, selector] = Name!.split(':');
    const versions = parameters.get(name);
    if (!versions) throw new ParameterNotFound({ message: '', $metadata });
    if (selector === undefined) return { Parameter: versions[versions.length - 1] };
    const found = versions.find((v) => v.Version === Number(selector));
    if (!found) throw new ParameterVersionNotFound({ message: `Systems Manager could not find version ${selector} of ${name}.`, $metadata });
    return { Parameter: { ...found, Selector: `:${selector}` } };
  });
  mock.on(GetParameterHistoryCommand).callsFake(async ({ Name, NextToken, MaxResults }) => {
    const versions = parameters.get(Name!);
    if (!versions) throw new ParameterNotFound({ message: '', $metadata });
    const size = Math.min(MaxResults ?? 50, pageSize);
    const start = NextToken ? Number(NextToken) : 0;
    const next = start + size;
    return { Parameters: versions.slice(start, next), ...(next < versions.length ? { NextToken: String(next) } : {}) };
  });

  return { client: new SSMClient({ region: 'eu-west-1' }), restore: () => mock.restore() };
}
