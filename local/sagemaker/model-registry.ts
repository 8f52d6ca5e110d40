/**
 * The model registry: model package groups and their versioned packages (1, 2, 3... per group), each with
 * an approval status (PendingManualApproval → Approved | Rejected) whose every change is recorded.
 * Only versioned packages (ModelPackageGroupName) are kept; their ARN is `model-package/<group>/<version>`.
 */
import type {
  CreateModelPackageGroupOutput, CreateModelPackageInput, CreateModelPackageOutput, DescribeModelPackageGroupOutput,
  DescribeModelPackageOutput, ListModelPackagesOutput, ModelApprovalStatus, ModelPackageSummary,
  UpdateModelPackageInput, UpdateModelPackageOutput,
} from '@aws-sdk/client-sagemaker';
import { iso, type ServiceContext } from './context';
import { invalid, validationError } from './errors';
import { checkInferenceSpecification, checkModelMetrics } from './model-package-request';
import { requireInteger, requireName, requireObject, requireOneOf, requireString, requireStringMap } from './validation';

export const APPROVAL_STATUSES = ['PendingManualApproval', 'Approved', 'Rejected'] as const;

interface GroupRow { name: string; arn: string; description: string | null; creation_time: string }
interface PackageRow {
  arn: string; group_name: string; version: number; request: string; approval_status: ModelApprovalStatus;
  approval_description: string | null; creation_time: string; last_modified_time: string;
}

/** One recorded approval change. */
export interface ApprovalChange { from: ModelApprovalStatus; to: ModelApprovalStatus; description?: string; changedAt: Date }

export class ModelRegistry {
  constructor(private readonly ctx: ServiceContext) {}

  createGroup(input: unknown): CreateModelPackageGroupOutput {
    const req = requireObject<{ ModelPackageGroupName?: string; ModelPackageGroupDescription?: string }>(input, 'CreateModelPackageGroupInput');
    const name = requireName(req.ModelPackageGroupName, 'ModelPackageGroupName');
    if (req.ModelPackageGroupDescription !== undefined) requireString(req.ModelPackageGroupDescription, 'ModelPackageGroupDescription', 1024);
    const existing = this.findGroup(name);
    if (existing) throw invalid(`Model Package Group already exists: ${existing.arn}`, 'ModelPackageGroupName');
    const arn = this.ctx.arn('model-package-group', name);
    this.ctx.db
      .prepare('INSERT INTO sagemaker_model_package_groups (name, arn, description, creation_time) VALUES (?, ?, ?, ?)')
      .run(name, arn, req.ModelPackageGroupDescription ?? null, iso(this.ctx.now()));
    return { ModelPackageGroupArn: arn };
  }

  /** For the twin's setup: the group, created when missing. */
  ensureGroup(name: string, description?: string): DescribeModelPackageGroupOutput {
    if (!this.findGroup(name)) this.createGroup({ ModelPackageGroupName: name, ModelPackageGroupDescription: description });
    return this.describeGroup({ ModelPackageGroupName: name });
  }

  describeGroup(input: unknown): DescribeModelPackageGroupOutput {
    const { ModelPackageGroupName } = requireObject<{ ModelPackageGroupName?: string }>(input, 'DescribeModelPackageGroupInput');
    const row = this.requireGroup(requireName(ModelPackageGroupName, 'ModelPackageGroupName'), 'ModelPackageGroupName');
    return {
      ModelPackageGroupName: row.name,
      ModelPackageGroupArn: row.arn,
      ModelPackageGroupDescription: row.description ?? undefined,
      CreationTime: new Date(row.creation_time),
      CreatedBy: {},
      ModelPackageGroupStatus: 'Completed',
    };
  }

  createPackage(input: unknown): CreateModelPackageOutput {
    const req = requireObject<CreateModelPackageInput>(input, 'CreateModelPackageInput');
    if (req.ModelPackageName !== undefined && req.ModelPackageGroupName !== undefined) {
      throw invalid('Both ModelPackageName and ModelPackageGroupName are provided in the input. Cannot determine which one to use.', 'ModelPackageName');
    }
    if (req.ModelPackageName !== undefined) {
      throw invalid('ModelPackageName: the local SageMaker keeps versioned model packages only; give ModelPackageGroupName', 'ModelPackageName');
    }
    const groupName = requireName(req.ModelPackageGroupName, 'ModelPackageGroupName');
    const approval = requireOneOf(req.ModelApprovalStatus ?? 'PendingManualApproval', APPROVAL_STATUSES, 'ModelApprovalStatus');
    if (req.ModelPackageDescription !== undefined) requireString(req.ModelPackageDescription, 'ModelPackageDescription', 1024);
    checkInferenceSpecification(this.ctx.objectStore, req.InferenceSpecification);
    if (req.ModelMetrics !== undefined) checkModelMetrics(req.ModelMetrics);
    if (req.CustomerMetadataProperties !== undefined) {
      requireStringMap(req.CustomerMetadataProperties, 'CustomerMetadataProperties', { maxEntries: 50, maxKey: 128, maxValue: 256 });
    }
    const group = this.requireGroup(groupName, 'ModelPackageGroupName');
    const now = iso(this.ctx.now());
    const { arn, version } = this.ctx.db.transaction(() => {
      const { last } = this.ctx.db.prepare('SELECT max(version) AS last FROM sagemaker_model_packages WHERE group_name = ?').get(group.name) as { last: number | null };
      const v = (last ?? 0) + 1;
      const a = `arn:aws:sagemaker:${this.ctx.region}:${this.ctx.accountId}:model-package/${group.name.toLowerCase()}/${v}`;
      this.ctx.db
        .prepare(
          `INSERT INTO sagemaker_model_packages (arn, group_name, version, request, approval_status, creation_time, last_modified_time)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(a, group.name, v, JSON.stringify(req), approval, now, now);
      return { arn: a, version: v };
    })();
    this.ctx.changed(`model-package:${arn}`, { type: 'ModelPackageCreated', arn, group: group.name, version, approvalStatus: approval });
    return { ModelPackageArn: arn };
  }

  describePackage(input: unknown): DescribeModelPackageOutput {
    const { ModelPackageName } = requireObject<{ ModelPackageName?: string }>(input, 'DescribeModelPackageInput');
    const row = this.requirePackage(requireString(ModelPackageName, 'ModelPackageName', 2048), 'ModelPackageName');
    const req = JSON.parse(row.request) as CreateModelPackageInput;
    return {
      ModelPackageName: row.group_name,
      ModelPackageGroupName: row.group_name,
      ModelPackageVersion: row.version,
      ModelPackageArn: row.arn,
      ModelPackageDescription: req.ModelPackageDescription,
      CreationTime: new Date(row.creation_time),
      InferenceSpecification: req.InferenceSpecification,
      ModelPackageStatus: 'Completed',
      ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
      CertifyForMarketplace: req.CertifyForMarketplace ?? false,
      ModelApprovalStatus: row.approval_status,
      MetadataProperties: req.MetadataProperties,
      ModelMetrics: req.ModelMetrics,
      LastModifiedTime: new Date(row.last_modified_time),
      ApprovalDescription: row.approval_description ?? undefined,
      CustomerMetadataProperties: req.CustomerMetadataProperties,
      Domain: req.Domain,
      Task: req.Task,
    };
  }

  listPackages(input: unknown = {}): ListModelPackagesOutput {
    const req = requireObject<{
      ModelPackageGroupName?: string; ModelApprovalStatus?: string; SortBy?: string; SortOrder?: string; MaxResults?: number;
      NextToken?: string; NameContains?: string; CreationTimeAfter?: Date | string; CreationTimeBefore?: Date | string;
    }>(input, 'ListModelPackagesInput');
    const sortBy = requireOneOf(req.SortBy ?? 'CreationTime', ['CreationTime', 'Name'], 'SortBy');
    const order = requireOneOf(req.SortOrder ?? 'Ascending', ['Ascending', 'Descending'], 'SortOrder');
    const max = requireInteger(req.MaxResults ?? 10, 'MaxResults', 1, 100);
    const offset = req.NextToken === undefined ? 0 : decodeToken(req.NextToken);
    const where: string[] = [];
    const args: unknown[] = [];
    if (req.ModelPackageGroupName !== undefined) {
      where.push('group_name = ?');
      args.push(requireName(req.ModelPackageGroupName, 'ModelPackageGroupName'));
    }
    if (req.ModelApprovalStatus !== undefined) {
      where.push('approval_status = ?');
      args.push(requireOneOf(req.ModelApprovalStatus, APPROVAL_STATUSES, 'ModelApprovalStatus'));
    }
    if (req.NameContains !== undefined) {
      where.push("instr(lower(group_name), lower(?)) > 0");
      args.push(requireString(req.NameContains, 'NameContains', 63));
    }
    if (req.CreationTimeAfter !== undefined) {
      where.push('creation_time > ?');
      args.push(timeArg(req.CreationTimeAfter, 'CreationTimeAfter'));
    }
    if (req.CreationTimeBefore !== undefined) {
      where.push('creation_time < ?');
      args.push(timeArg(req.CreationTimeBefore, 'CreationTimeBefore'));
    }
    const direction = order === 'Ascending' ? 'ASC' : 'DESC';
    const orderBy = sortBy === 'Name' ? `group_name ${direction}, version ${direction}` : `creation_time ${direction}, version ${direction}`;
    const rows = this.ctx.db
      .prepare(`SELECT * FROM sagemaker_model_packages ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderBy} LIMIT ? OFFSET ?`)
      .all(...args, max + 1, offset) as PackageRow[];
    const page = rows.slice(0, max);
    const summaries = page.map((row): ModelPackageSummary => {
      const r = JSON.parse(row.request) as CreateModelPackageInput;
      return {
        ModelPackageName: row.group_name,
        ModelPackageGroupName: row.group_name,
        ModelPackageVersion: row.version,
        ModelPackageArn: row.arn,
        ModelPackageDescription: r.ModelPackageDescription,
        CreationTime: new Date(row.creation_time),
        ModelPackageStatus: 'Completed',
        ModelApprovalStatus: row.approval_status,
      };
    });
    return { ModelPackageSummaryList: summaries, NextToken: rows.length > max ? encodeToken(offset + max) : undefined };
  }

  updatePackage(input: unknown): UpdateModelPackageOutput {
    const req = requireObject<UpdateModelPackageInput>(input, 'UpdateModelPackageInput');
    const row = this.requirePackage(requireString(req.ModelPackageArn, 'ModelPackageArn', 2048), 'ModelPackageArn');
    const to = req.ModelApprovalStatus === undefined ? row.approval_status : requireOneOf(req.ModelApprovalStatus, APPROVAL_STATUSES, 'ModelApprovalStatus');
    if (to === 'PendingManualApproval' && row.approval_status !== 'PendingManualApproval') {
      throw invalid(`ModelApprovalStatus: model package ${row.arn} is ${row.approval_status}; it cannot go back to PendingManualApproval`, 'ModelApprovalStatus');
    }
    if (req.ApprovalDescription !== undefined) requireString(req.ApprovalDescription, 'ApprovalDescription', 1024);
    const stored = JSON.parse(row.request) as CreateModelPackageInput;
    if (req.CustomerMetadataProperties !== undefined || req.CustomerMetadataPropertiesToRemove !== undefined) {
      const props = { ...(stored.CustomerMetadataProperties ?? {}), ...requireStringMap(req.CustomerMetadataProperties ?? {}, 'CustomerMetadataProperties', { maxEntries: 50, maxKey: 128, maxValue: 256 }) };
      for (const key of req.CustomerMetadataPropertiesToRemove ?? []) delete props[key];
      stored.CustomerMetadataProperties = props;
    }
    const now = iso(this.ctx.now());
    this.ctx.db.transaction(() => {
      this.ctx.db
        .prepare('UPDATE sagemaker_model_packages SET approval_status = ?, approval_description = coalesce(?, approval_description), request = ?, last_modified_time = ? WHERE arn = ?')
        .run(to, req.ApprovalDescription ?? null, JSON.stringify(stored), now, row.arn);
      if (to !== row.approval_status) {
        this.ctx.db
          .prepare('INSERT INTO sagemaker_model_package_approvals (model_package_arn, from_status, to_status, description, changed_at) VALUES (?, ?, ?, ?, ?)')
          .run(row.arn, row.approval_status, to, req.ApprovalDescription ?? null, now);
      }
    })();
    if (to !== row.approval_status) {
      this.ctx.changed(`model-package:${row.arn}`, { type: 'ModelPackageApprovalChanged', arn: row.arn, from: row.approval_status, to, description: req.ApprovalDescription });
    }
    return { ModelPackageArn: row.arn };
  }

  /** Every approval change of a package, oldest first. */
  approvalHistory(arn: string): ApprovalChange[] {
    const row = this.requirePackage(arn, 'ModelPackageArn');
    const rows = this.ctx.db
      .prepare('SELECT from_status, to_status, description, changed_at FROM sagemaker_model_package_approvals WHERE model_package_arn = ? ORDER BY id')
      .all(row.arn) as { from_status: ModelApprovalStatus; to_status: ModelApprovalStatus; description: string | null; changed_at: string }[];
    return rows.map((r) => ({ from: r.from_status, to: r.to_status, description: r.description ?? undefined, changedAt: new Date(r.changed_at) }));
  }

  private requireGroup(name: string, field: string): GroupRow {
    const row = this.findGroup(name);
    if (!row) throw invalid(`Model Package Group ${name} does not exist.`, field);
    return row;
  }

  private findGroup(name: string): GroupRow | undefined {
    return this.ctx.db.prepare('SELECT * FROM sagemaker_model_package_groups WHERE name = ?').get(name) as GroupRow | undefined;
  }

  /** By ARN (SageMaker's are lower case, so the match ignores case). */
  private requirePackage(arn: string, field: string): PackageRow {
    const row = this.ctx.db.prepare('SELECT * FROM sagemaker_model_packages WHERE lower(arn) = lower(?)').get(arn) as PackageRow | undefined;
    if (!row) throw invalid(`ModelPackage ${arn} does not exist.`, field);
    return row;
  }
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

function decodeToken(token: unknown): number {
  try {
    const { offset } = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { offset: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // falls through to the error
  }
  throw validationError('NextToken', token, 'Member must be a token returned by a previous ListModelPackages call');
}

function timeArg(value: Date | string, field: string): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) throw validationError(field, value, 'Member must be a timestamp');
  return iso(d);
}
