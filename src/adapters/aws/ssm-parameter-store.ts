/** AWS Systems Manager Parameter Store behind the ParameterStore port: plain String parameters. */
import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  type ParameterHistory,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { ParameterAlreadyExistsError, ParameterNotFoundError, StoreError } from '../../ports/errors';
import type { Parameter, ParameterStore } from '../../ports/parameter-store';

/** SSM's names for a missing parameter and a missing version of an existing one. */
const NOT_FOUND = new Set(['ParameterNotFound', 'ParameterVersionNotFound']);

export interface SsmParameterStoreOptions {
  client?: SSMClient;
}

export class SsmParameterStore implements ParameterStore {
  private readonly client: SSMClient;

  constructor(options: SsmParameterStoreOptions = {}) {
    this.client = options.client ?? new SSMClient({});
  }

  /** The latest version, or the given one through SSM's `name:version` selector. */
  async get(name: string, version?: number): Promise<Parameter> {
    if (version !== undefined && (!Number.isInteger(version) || version < 1)) {
      throw new RangeError(`version ${version} of ${name} is not a positive integer`);
    }
    try {
      const { Parameter: found } = await this.client.send(
        new GetParameterCommand({ Name: version === undefined ? name : `${name}:${version}` }),
      );
      if (found?.Value === undefined || found.Version === undefined) {
        throw new StoreError(`GetParameter ${name} returned no value`);
      }
      return { name, value: found.Value, version: found.Version, lastModified: found.LastModifiedDate ?? new Date(0) };
    } catch (error) {
      if (isNamedOneOf(error, NOT_FOUND)) throw new ParameterNotFoundError(name, version, { cause: error });
      throw error;
    }
  }

  /**
   * PutParameter (Type String), then reads that very version back (`name:version`) so the returned
   * Parameter carries SSM's own LastModifiedDate, which PutParameter does not return.
   */
  async put(name: string, value: string, options: { overwrite?: boolean; description?: string } = {}): Promise<Parameter> {
    let version: number | undefined;
    try {
      ({ Version: version } = await this.client.send(
        new PutParameterCommand({
          Name: name,
          Value: value,
          Type: 'String',
          Overwrite: options.overwrite ?? false,
          ...(options.description === undefined ? {} : { Description: options.description }),
        }),
      ));
    } catch (error) {
      if (isNamedOneOf(error, new Set(['ParameterAlreadyExists']))) {
        throw new ParameterAlreadyExistsError(name, { cause: error });
      }
      throw error;
    }
    if (version === undefined) throw new StoreError(`PutParameter ${name} returned no version`);
    return this.get(name, version);
  }

  /** Every version, oldest first, following GetParameterHistory's NextToken. */
  async history(name: string): Promise<Parameter[]> {
    const entries: ParameterHistory[] = [];
    let token: string | undefined;
    try {
      do {
        const response = await this.client.send(
          new GetParameterHistoryCommand({ Name: name, MaxResults: 50, ...(token === undefined ? {} : { NextToken: token }) }),
        );
        entries.push(...(response.Parameters ?? []));
        token = response.NextToken || undefined;
      } while (token !== undefined);
    } catch (error) {
      if (isNamedOneOf(error, NOT_FOUND)) throw new ParameterNotFoundError(name, undefined, { cause: error });
      throw error;
    }
    return entries
      .filter((entry): entry is ParameterHistory & { Value: string; Version: number } =>
        entry.Value !== undefined && entry.Version !== undefined,
      )
      .map((entry) => ({
        name,
        value: entry.Value,
        version: entry.Version,
        lastModified: entry.LastModifiedDate ?? new Date(0),
      }))
      .sort((a, b) => a.version - b.version);
  }
}

function isNamedOneOf(error: unknown, names: ReadonlySet<string>): boolean {
  return error instanceof Error && names.has(error.name);
}
