/**
 * Keeps Step Functions task tokens out of the approval table (issue 13 item 6). A token is a live
 * capability: whoever holds it can complete the wait. The table keeps only a reference
 * (`ssm-securestring:/<table>/task-tokens/<idHash>`); the token itself is an SSM SecureString parameter,
 * encrypted with KMS (the account's AWS managed key for SSM, `alias/aws/ssm`, since no KeyId is given).
 * Reading the table is no longer enough: resolving a reference takes ssm:GetParameter on that path and
 * KMS decryption, which only the roles that deliver a decision have. Once the decision is delivered, or
 * nothing waits any more, or the request expired, the parameter is deleted.
 * test/fixtures/aws/ssm-securestring.json holds the documented behaviour this relies on.
 */
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

export const TOKEN_REFERENCE_PREFIX = 'ssm-securestring:';

/** Where an approval table's tokens live: a path of their own, never under the run-time parameters. */
export function taskTokenPath(tableName: string): string {
  return `/${tableName}/task-tokens`;
}

export interface SsmTaskTokenVaultOptions {
  /** e.g. taskTokenPath(APPROVAL_TABLE) */
  path: string;
  client?: SSMClient;
}

export class SsmTaskTokenVault {
  private readonly client: SSMClient;
  private readonly path: string;

  constructor(options: SsmTaskTokenVaultOptions) {
    this.path = options.path.replace(/\/+$/, '');
    this.client = options.client ?? new SSMClient({});
  }

  static isReference(value: string): boolean {
    return value.startsWith(TOKEN_REFERENCE_PREFIX);
  }

  /** Stores the token encrypted under the request's hash; returns the reference the table keeps. */
  async seal(idHash: string, taskToken: string): Promise<string> {
    const name = `${this.path}/${idHash}`;
    await this.client.send(new PutParameterCommand({ Name: name, Type: 'SecureString', Value: taskToken, Overwrite: false }));
    return `${TOKEN_REFERENCE_PREFIX}${name}`;
  }

  /** The token a reference stands for (a plain token is returned as it is). */
  async open(reference: string): Promise<string> {
    if (!SsmTaskTokenVault.isReference(reference)) return reference;
    const { Parameter } = await this.client.send(new GetParameterCommand({ Name: reference.slice(TOKEN_REFERENCE_PREFIX.length), WithDecryption: true }));
    if (!Parameter?.Value) throw new Error(`the task token behind ${reference} is empty`);
    return Parameter.Value;
  }

  /** Deletes the token once nothing can use it; a token already gone is fine. */
  async discard(reference: string): Promise<void> {
    if (!SsmTaskTokenVault.isReference(reference)) return;
    try {
      await this.client.send(new DeleteParameterCommand({ Name: reference.slice(TOKEN_REFERENCE_PREFIX.length) }));
    } catch (error) {
      if ((error as Error).name !== 'ParameterNotFound') throw error;
    }
  }
}
