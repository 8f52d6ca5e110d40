/** Model package groups, versioned packages and their approval, as SageMaker's model registry keeps them. */
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import type { LocalSageMaker, LocalSageMakerEvent } from '../../../local/sagemaker';
import { aTwinHome } from '../../builders/twin-home';
import { aLocalSageMaker, aModelPackageRequest, BUCKET } from './builders';

describe('LocalSageMaker: model registry', () => {
  const MODEL_URL = `${BUCKET}/models/job-1/output/model.tar.gz`;
  let home: ReturnType<typeof aTwinHome>;
  let sagemaker: LocalSageMaker;
  let events: LocalSageMakerEvent[];
  let clock: number;

  beforeEach(async () => {
    home = aTwinHome();
    events = [];
    clock = Date.UTC(2025, 0, 1);
    await new FsObjectStore(home.objectsDir).put(MODEL_URL, 'tarball');
    sagemaker = aLocalSageMaker(home, { onEvent: (e) => events.push(e), now: () => new Date((clock += 1000)) });
  });

  afterEach(() => {
    sagemaker.close();
    home.dispose();
  });

  it('creates a group once: a second is a ValidationException', async () => {
    // Act
    const { ModelPackageGroupArn } = await sagemaker.createModelPackageGroup({ ModelPackageGroupName: 'BtcFeeForecaster', ModelPackageGroupDescription: 'DeepAR' });
    // Assess
    expect(ModelPackageGroupArn).toBe('arn:aws:sagemaker:local:000000000000:model-package-group/btcfeeforecaster');
    await expect(sagemaker.describeModelPackageGroup({ ModelPackageGroupName: 'BtcFeeForecaster' })).resolves.toMatchObject({
      ModelPackageGroupName: 'BtcFeeForecaster', ModelPackageGroupDescription: 'DeepAR', ModelPackageGroupStatus: 'Completed', CreationTime: expect.any(Date),
    });
    await expect(sagemaker.createModelPackageGroup({ ModelPackageGroupName: 'btcfeeforecaster' }))
      .rejects.toMatchObject({ name: 'ValidationException', message: `Model Package Group already exists: ${ModelPackageGroupArn}` });
    await expect(sagemaker.describeModelPackageGroup({ ModelPackageGroupName: 'other' })).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('refuses a package in a group that does not exist; ensureModelPackageGroup creates it once', async () => {
    // Act
    const refused = sagemaker.createModelPackage(aModelPackageRequest('fees', MODEL_URL));
    // Assess
    await expect(refused).rejects.toMatchObject({ name: 'ValidationException', field: 'ModelPackageGroupName', message: expect.stringContaining('fees does not exist') });
    const first = await sagemaker.ensureModelPackageGroup('fees');
    const again = await sagemaker.ensureModelPackageGroup('fees');
    expect(again).toEqual(first);
    await expect(sagemaker.createModelPackage(aModelPackageRequest('fees', MODEL_URL))).resolves.toEqual({
      ModelPackageArn: 'arn:aws:sagemaker:local:000000000000:model-package/fees/1',
    });
  });

  it('numbers the packages of each group 1, 2, 3 and describes them', async () => {
    // Prepare
    await sagemaker.ensureModelPackageGroup('fees');
    await sagemaker.ensureModelPackageGroup('other');
    // Act
    const arns = [];
    for (let i = 0; i < 3; i++) arns.push((await sagemaker.createModelPackage(aModelPackageRequest('fees', MODEL_URL))).ModelPackageArn);
    const otherArn = (await sagemaker.createModelPackage(aModelPackageRequest('other', MODEL_URL))).ModelPackageArn;
    // Assess
    expect(arns.map((a) => a!.split('/').slice(-2).join('/'))).toEqual(['fees/1', 'fees/2', 'fees/3']);
    expect(otherArn).toMatch(/model-package\/other\/1$/);
    const described = await sagemaker.describeModelPackage({ ModelPackageName: arns[1] });
    expect(described).toMatchObject({
      ModelPackageName: 'fees', ModelPackageGroupName: 'fees', ModelPackageVersion: 2, ModelPackageArn: arns[1],
      ModelPackageStatus: 'Completed', ModelApprovalStatus: 'PendingManualApproval', ModelPackageDescription: 'DeepAR fee forecaster',
      InferenceSpecification: { Containers: [{ ModelDataUrl: MODEL_URL }] },
      CustomerMetadataProperties: { mean_wQuantileLoss: '0.12' },
      ModelMetrics: { ModelQuality: { Statistics: { S3Uri: `${BUCKET}/evaluation/report.json` } } },
    });
    expect(described.CreationTime).toBeInstanceOf(Date);
    expect(events.filter((e) => e.type === 'ModelPackageCreated')).toHaveLength(4);
    await expect(sagemaker.describeModelPackage({ ModelPackageName: 'arn:aws:sagemaker:local:000000000000:model-package/fees/9' }))
      .rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('does not exist') });
  });

  it('validates a package: approval status, containers, metrics sources, metadata', async () => {
    await sagemaker.ensureModelPackageGroup('fees');
    const cases: [object, string][] = [
      [{ ModelApprovalStatus: 'Maybe' }, 'ModelApprovalStatus'],
      [{ InferenceSpecification: undefined }, 'InferenceSpecification'],
      [{ InferenceSpecification: { Containers: [] } }, 'InferenceSpecification.Containers'],
      [{ InferenceSpecification: { Containers: [{ Image: 'xgboost:1', ModelDataUrl: MODEL_URL }] } }, 'InferenceSpecification.Containers[0].Image'],
      [{ InferenceSpecification: { Containers: [{ Image: 'forecasting-deepar:local', ModelDataUrl: `${BUCKET}/missing.tar.gz` }] } }, 'InferenceSpecification.Containers[0].ModelDataUrl'],
      [{ ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 'report.json' } } } }, 'ModelMetrics.ModelQuality.Statistics.S3Uri'],
      [{ CustomerMetadataProperties: { loss: 0.1 } }, 'CustomerMetadataProperties.loss'],
      [{ ModelPackageName: 'unversioned' }, 'ModelPackageName'],
    ];
    for (const [change, field] of cases) {
      await expect(sagemaker.createModelPackage({ ...aModelPackageRequest('fees', MODEL_URL), ...change }))
        .rejects.toMatchObject({ name: 'ValidationException', field, message: expect.stringContaining(field) });
    }
  });

  it('lists packages by approval status, newest first, a page at a time', async () => {
    // Prepare
    await sagemaker.ensureModelPackageGroup('fees');
    for (let i = 0; i < 4; i++) await sagemaker.createModelPackage(aModelPackageRequest('fees', MODEL_URL));
    await sagemaker.updateModelPackage({ ModelPackageArn: 'arn:aws:sagemaker:local:000000000000:model-package/fees/2', ModelApprovalStatus: 'Approved' });
    await sagemaker.updateModelPackage({ ModelPackageArn: 'arn:aws:sagemaker:local:000000000000:model-package/fees/3', ModelApprovalStatus: 'Approved' });
    // Act
    const approved = await sagemaker.listModelPackages({ ModelPackageGroupName: 'fees', ModelApprovalStatus: 'Approved', SortBy: 'CreationTime', SortOrder: 'Descending' });
    const page1 = await sagemaker.listModelPackages({ ModelPackageGroupName: 'fees', SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 3 });
    const page2 = await sagemaker.listModelPackages({ ModelPackageGroupName: 'fees', SortBy: 'CreationTime', SortOrder: 'Ascending', MaxResults: 3, NextToken: page1.NextToken });
    // Assess
    expect(approved.ModelPackageSummaryList!.map((p) => p.ModelPackageVersion)).toEqual([3, 2]);
    expect(approved.ModelPackageSummaryList![0]).toMatchObject({ ModelPackageGroupName: 'fees', ModelApprovalStatus: 'Approved', ModelPackageStatus: 'Completed', CreationTime: expect.any(Date) });
    expect(approved.NextToken).toBeUndefined();
    expect(page1.ModelPackageSummaryList!.map((p) => p.ModelPackageVersion)).toEqual([1, 2, 3]);
    expect(page2.ModelPackageSummaryList!.map((p) => p.ModelPackageVersion)).toEqual([4]);
    expect(page2.NextToken).toBeUndefined();
    await expect(sagemaker.listModelPackages({ SortOrder: 'Sideways' } as never)).rejects.toMatchObject({ name: 'ValidationException', field: 'SortOrder' });
  });

  it('approves or rejects a pending package and records each change', async () => {
    // Prepare
    await sagemaker.ensureModelPackageGroup('fees');
    const { ModelPackageArn: arn } = await sagemaker.createModelPackage(aModelPackageRequest('fees', MODEL_URL));
    // Act
    await expect(sagemaker.updateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: 'Approved', ApprovalDescription: 'approved by ops@example.com' }))
      .resolves.toEqual({ ModelPackageArn: arn });
    await sagemaker.updateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: 'Rejected', ApprovalDescription: 'retired' });
    // Assess
    await expect(sagemaker.describeModelPackage({ ModelPackageName: arn })).resolves.toMatchObject({
      ModelApprovalStatus: 'Rejected', ApprovalDescription: 'retired', LastModifiedTime: expect.any(Date),
    });
    expect(await sagemaker.modelPackageApprovalHistory(arn!)).toEqual([
      { from: 'PendingManualApproval', to: 'Approved', description: 'approved by ops@example.com', changedAt: expect.any(Date) },
      { from: 'Approved', to: 'Rejected', description: 'retired', changedAt: expect.any(Date) },
    ]);
    expect(events.filter((e) => e.type === 'ModelPackageApprovalChanged')).toEqual([
      { type: 'ModelPackageApprovalChanged', arn, from: 'PendingManualApproval', to: 'Approved', description: 'approved by ops@example.com' },
      { type: 'ModelPackageApprovalChanged', arn, from: 'Approved', to: 'Rejected', description: 'retired' },
    ]);
    await expect(sagemaker.updateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: 'PendingManualApproval' }))
      .rejects.toMatchObject({ name: 'ValidationException', field: 'ModelApprovalStatus' });
    await expect(sagemaker.updateModelPackage({ ModelPackageArn: `${arn}0`, ModelApprovalStatus: 'Approved' }))
      .rejects.toMatchObject({ name: 'ValidationException', field: 'ModelPackageArn' });
  });

  it('keeps the registry across a restart of the twin', async () => {
    // Prepare
    await sagemaker.ensureModelPackageGroup('fees');
    const { ModelPackageArn: arn } = await sagemaker.createModelPackage(aModelPackageRequest('fees', MODEL_URL));
    await sagemaker.updateModelPackage({ ModelPackageArn: arn, ModelApprovalStatus: 'Approved' });
    sagemaker.close();
    // Act
    sagemaker = aLocalSageMaker(home);
    // Assess
    await expect(sagemaker.describeModelPackage({ ModelPackageName: arn })).resolves.toMatchObject({ ModelApprovalStatus: 'Approved', ModelPackageVersion: 1 });
    await expect(sagemaker.createModelPackage(aModelPackageRequest('fees', MODEL_URL))).resolves.toMatchObject({ ModelPackageArn: expect.stringMatching(/fees\/2$/) });
  });
});
