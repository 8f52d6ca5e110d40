/**
 * Endpoints, the control plane: SageMaker's real-time hosting of a DeepAR model in this process. Configs are
 * in endpoint-configs.ts; invocations and the predictor slots in endpoint-runtime.ts; models come from the
 * ModelHost. The statuses follow SageMaker's documented lifecycle (test/fixtures/aws/sagemaker-endpoint-lifecycle.json):
 *
 * - CreateEndpoint records the endpoint `Creating`, then in the background has the config's model loaded:
 *   `InService`, or `Failed` with a FailureReason. DeleteEndpoint is the only operation a Failed endpoint takes.
 * - UpdateEndpoint records it `Updating`; the old model keeps answering while the new one loads, then one
 *   synchronous block records the new config and puts the new predictor in the endpoint's slot: no request
 *   fails or waits because of a swap.
 * - A failed update rolls back, as SageMaker's does: the endpoint returns to `InService` on the previous config,
 *   still serving the previous model, with the FailureReason set (cleared by the next update).
 * - The SQLite row is the record; predictors live in memory. After a restart, an InService endpoint loads its
 *   model lazily on its first invocation; one left Creating by a process that is gone becomes Failed, one left
 *   Updating returns to InService on its previous config with a FailureReason (a failed update).
 */
import type {
  CreateEndpointOutput, DescribeEndpointOutput, EndpointSummary, ListEndpointsInput, ListEndpointsOutput, UpdateEndpointOutput,
} from '@aws-sdk/client-sagemaker';
import { failureReason, iso, isOrphanOwner, ORPHAN_FAILURE_REASON, resourceKey, type ServiceContext } from './context';
import { nameIn, type EndpointConfigs } from './endpoint-configs';
import type { DeployedModel, EndpointRow } from './endpoint-records';
import type { EndpointRuntime, ServedModel } from './endpoint-runtime';
import { checkDeploymentConfig } from './endpoint-request';
import { invalid } from './errors';
import { requireName, requireObject } from './validation';

/**
 * What a failed deployment leaves, as SageMaker documents it: a failed create is Failed; a failed update returns
 * to InService on the config that served before (its deployed model is still recorded).
 */
const STATUS_AFTER_FAILURE = `CASE WHEN deployed_config_name IS NULL THEN 'Failed' ELSE 'InService' END`;
/** A Failed endpoint still names the config it failed to create (DescribeEndpoint's EndpointConfigName is required). */
const PENDING_AFTER_FAILURE = `CASE WHEN deployed_config_name IS NULL THEN pending_config_name END`;

export class Endpoints {
  /** The deployment in flight per endpoint: a create or update superseded by a delete must not land. */
  private readonly deployments = new Map<string, symbol>();
  private readonly findEndpoint;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly configs: EndpointConfigs,
    private readonly runtime: EndpointRuntime,
  ) {
    this.findEndpoint = ctx.db.prepare('SELECT * FROM sagemaker_endpoints WHERE name = ?');
  }

  create(input: unknown): CreateEndpointOutput {
    const req = requireObject<{ EndpointName?: unknown; EndpointConfigName?: unknown }>(input, 'CreateEndpointInput');
    const name = requireName(req.EndpointName, 'EndpointName');
    const configName = this.configs.require(requireName(req.EndpointConfigName, 'EndpointConfigName')).name;
    const existing = this.find(name);
    if (existing) throw invalid(`Cannot create already existing endpoint "${existing.arn}".`, 'EndpointName');
    const arn = this.ctx.arn('endpoint', name);
    const now = iso(this.ctx.now());
    this.ctx.db
      .prepare(
        `INSERT INTO sagemaker_endpoints (name, arn, status, pending_config_name, owner, creation_time, last_modified_time)
         VALUES (?, ?, 'Creating', ?, ?, ?, ?)`,
      )
      .run(name, arn, configName, this.ctx.owner, now, now);
    this.changed(name);
    this.deploy(name, configName);
    return { EndpointArn: arn };
  }

  update(input: unknown): UpdateEndpointOutput {
    const req = requireObject<{ EndpointName?: unknown; EndpointConfigName?: unknown; DeploymentConfig?: unknown }>(input, 'UpdateEndpointInput');
    const row = this.require(requireName(req.EndpointName, 'EndpointName'));
    const configName = this.configs.require(requireName(req.EndpointConfigName, 'EndpointConfigName')).name;
    checkDeploymentConfig(req.DeploymentConfig, this.configs.instanceCount(configName));
    if (row.status === 'Failed') throw invalid(`Cannot update failed endpoint "${row.arn}".`, 'EndpointName');
    if (row.status !== 'InService') throw invalid(`Cannot update in-progress endpoint "${row.arn}".`, 'EndpointName');
    const { changes } = this.ctx.db
      .prepare(
        `UPDATE sagemaker_endpoints SET status = 'Updating', pending_config_name = ?, failure_reason = NULL, owner = ?, last_modified_time = ?
         WHERE name = ? AND status = 'InService'`,
      )
      .run(configName, this.ctx.owner, iso(this.ctx.now()), row.name);
    if (changes === 0) throw invalid(`Cannot update in-progress endpoint "${row.arn}".`, 'EndpointName');
    this.changed(row.name);
    this.deploy(row.name, configName);
    return { EndpointArn: row.arn };
  }

  describe(input: unknown): DescribeEndpointOutput {
    const row = this.require(nameIn(input, 'EndpointName', 'DescribeEndpointInput'));
    const deployed = row.deployed_model ? (JSON.parse(row.deployed_model) as DeployedModel) : undefined;
    return {
      EndpointName: row.name,
      EndpointArn: row.arn,
      EndpointConfigName: row.deployed_config_name ?? row.pending_config_name ?? undefined,
      ProductionVariants: deployed && [
        {
          VariantName: deployed.variantName,
          DeployedImages: [{ SpecifiedImage: deployed.image, ResolvedImage: deployed.image, ResolutionTime: new Date(deployed.deployedAt) }],
          CurrentWeight: deployed.weight,
          DesiredWeight: deployed.weight,
          CurrentInstanceCount: deployed.instanceCount,
          DesiredInstanceCount: deployed.instanceCount,
        },
      ],
      EndpointStatus: row.status,
      FailureReason: row.failure_reason ?? undefined,
      CreationTime: new Date(row.creation_time),
      LastModifiedTime: new Date(row.last_modified_time),
      PendingDeploymentSummary:
        row.status === 'Updating' && row.pending_config_name
          ? { EndpointConfigName: row.pending_config_name, StartTime: new Date(row.last_modified_time) }
          : undefined,
    };
  }

  /** Removes the endpoint at once: later invocations get "not found"; a load in flight for it is dropped. */
  delete(input: unknown): Record<string, never> {
    const row = this.require(nameIn(input, 'EndpointName', 'DeleteEndpointInput'));
    this.ctx.db.prepare('DELETE FROM sagemaker_endpoints WHERE name = ?').run(row.name);
    this.runtime.drop(row.name);
    this.deployments.delete(row.name.toLowerCase());
    this.changed(row.name);
    return {};
  }

  list(input: unknown = {}): ListEndpointsOutput {
    const req = requireObject<ListEndpointsInput>(input, 'ListEndpointsInput');
    const rows = this.ctx.db.prepare('SELECT * FROM sagemaker_endpoints').all() as EndpointRow[];
    const summaries = rows
      .filter((r) => !req.NameContains || r.name.toLowerCase().includes(req.NameContains.toLowerCase()))
      .filter((r) => !req.StatusEquals || r.status === req.StatusEquals)
      .map((r): EndpointSummary => ({
        EndpointName: r.name, EndpointArn: r.arn, EndpointStatus: r.status,
        CreationTime: new Date(r.creation_time), LastModifiedTime: new Date(r.last_modified_time),
      }));
    const by = req.SortBy === 'Name' ? (s: EndpointSummary) => s.EndpointName! : req.SortBy === 'Status' ? (s: EndpointSummary) => s.EndpointStatus! : (s: EndpointSummary) => s.CreationTime!.toISOString();
    const sign = req.SortOrder === 'Ascending' ? 1 : -1;
    summaries.sort((a, b) => sign * (by(a) < by(b) ? -1 : by(a) > by(b) ? 1 : 0));
    return { Endpoints: summaries.slice(0, req.MaxResults ?? 10) };
  }

  /** Resolves with the description once the endpoint is no longer Creating or Updating. */
  wait(name: string, signal?: AbortSignal): Promise<DescribeEndpointOutput> {
    return this.ctx.waitUntil(resourceKey('endpoint', name), () => {
      const d = this.describe({ EndpointName: name });
      return d.EndpointStatus === 'Creating' || d.EndpointStatus === 'Updating' ? undefined : d;
    }, signal);
  }

  /** Endpoints left Creating or Updating by an instance that is gone: a create Failed, an update rolled back. */
  recover(): string[] {
    const rows = this.ctx.db.prepare(`SELECT * FROM sagemaker_endpoints WHERE status IN ('Creating', 'Updating')`).all() as EndpointRow[];
    const orphans = rows.filter((r) => isOrphanOwner(r.owner));
    for (const row of orphans) {
      this.ctx.db
        .prepare(`UPDATE sagemaker_endpoints SET status = ${STATUS_AFTER_FAILURE}, failure_reason = ?, pending_config_name = ${PENDING_AFTER_FAILURE}, owner = NULL, last_modified_time = ? WHERE name = ?`)
        .run(ORPHAN_FAILURE_REASON, iso(this.ctx.now()), row.name);
      this.changed(row.name);
    }
    return orphans.map((r) => r.name);
  }

  /** Loads the config's model in the background, then records the outcome (only if still this deployment's). */
  private deploy(name: string, configName: string): void {
    const key = name.toLowerCase();
    const token = Symbol(configName);
    this.deployments.set(key, token);
    const current = (): boolean => this.deployments.get(key) === token && !this.ctx.isClosed();
    void (async () => {
      let deployed: DeployedModel;
      let predictor: ServedModel;
      try {
        deployed = this.configs.resolve(configName);
        predictor = await this.runtime.load(deployed);
      } catch (e) {
        if (!current()) return;
        this.deployments.delete(key);
        this.ctx.db
          .prepare(
            `UPDATE sagemaker_endpoints SET status = ${STATUS_AFTER_FAILURE}, failure_reason = ?, pending_config_name = ${PENDING_AFTER_FAILURE}, owner = NULL, last_modified_time = ?
             WHERE name = ? AND owner = ?`,
          )
          .run(failureReason(e), iso(this.ctx.now()), name, this.ctx.owner);
        this.changed(name);
        return;
      }
      if (!current()) return;
      this.deployments.delete(key);
      // The swap: the row and the slot change together, with no await in between.
      this.runtime.swap(name, deployed, predictor, () => {
        const { changes } = this.ctx.db
          .prepare(
            `UPDATE sagemaker_endpoints SET status = 'InService', deployed_config_name = ?, deployed_model = ?, pending_config_name = NULL,
             failure_reason = NULL, owner = NULL, last_modified_time = ? WHERE name = ? AND owner = ?`,
          )
          .run(configName, JSON.stringify(deployed), iso(this.ctx.now()), name, this.ctx.owner);
        return changes > 0;
      });
      this.changed(name);
    })().catch(() => undefined); // only a closed store can throw here
  }

  private changed(name: string): void {
    this.ctx.changed(resourceKey('endpoint', name));
  }

  private require(name: string): EndpointRow {
    const row = this.find(name);
    if (!row) throw invalid(`Could not find endpoint "${this.ctx.arn('endpoint', name)}".`, 'EndpointName');
    return row;
  }

  private find(name: string): EndpointRow | undefined {
    return this.findEndpoint.get(name) as EndpointRow | undefined;
  }
}
