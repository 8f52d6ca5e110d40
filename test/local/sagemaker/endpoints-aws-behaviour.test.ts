/**
 * The local SageMaker's endpoints held to SageMaker's documented behaviour, read from the fixtures
 * (test/fixtures/aws/sagemaker-endpoint-*.json): what a create or update leaves when it succeeds or fails, what
 * a Failed endpoint still takes, the errors and their messages, and DeploymentConfig's documented limits.
 * Models here are stand-ins (a loader that succeeds or fails by name), so the file runs in a few seconds.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create as tar } from 'tar';
import LIFECYCLE from '../../fixtures/aws/sagemaker-endpoint-lifecycle.json';
import ERRORS from '../../fixtures/aws/sagemaker-endpoint-errors.json';
import DEPLOYMENT_CONFIG from '../../fixtures/aws/sagemaker-endpoint-deployment-config.json';
import { FsObjectStore } from '../../../local/adapters/fs-object-store';
import { ORPHAN_FAILURE_REASON, type LocalSageMaker } from '../../../local/sagemaker';
import type { ModelLoader } from '../../../local/sagemaker/model-host';
import type { DeepARPredictor } from '../../../src/deepar';
import { aTwinHome } from '../../builders/twin-home';
import { aLocalSageMaker, BUCKET, DEEPAR_IMAGE, ROLE_ARN } from './builders';

const ARN = (name: string) => `arn:aws:sagemaker:local:000000000000:endpoint/${name}`;
/** A fixture's message shape with its placeholders filled in. */
const fill = (shape: string, values: Record<string, string>) => shape.replace(/\{(\w+)\}/g, (_, key: string) => values[key]);

const BODY = { instances: [{ start: '2025-01-01 00:00:00', target: [1, 2, 3] }] };

describe('LocalSageMaker: endpoints as SageMaker documents them', () => {
  const home = aTwinHome();
  const store = new FsObjectStore(home.objectsDir);
  /** Loads held until released, by model directory part. */
  const held = new Map<string, Promise<void>>();
  const loader: ModelLoader = async (dir) => {
    for (const [part, gate] of held) if (dir.includes(part)) await gate;
    if (dir.includes('broken')) throw new Error('the model artifact is corrupt');
    return { dir } as unknown as DeepARPredictor;
  };
  let sagemaker: LocalSageMaker;
  let endpointCount = 0;
  const anEndpointName = () => `endpoint-${++endpointCount}`;

  beforeAll(async () => {
    sagemaker = aLocalSageMaker(home, { modelLoader: loader });
    const source = join(home.dir, 'artifact');
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, 'model.json'), '{}');
    await tar({ gzip: true, file: join(home.dir, 'model.tar.gz'), cwd: source }, ['model.json']);
    for (const model of ['model-a', 'model-b', 'model-broken']) await aModelAndConfig(model, `config-${model.slice(6)}`);
  });

  async function aModelAndConfig(model: string, config: string): Promise<void> {
    const url = `${BUCKET}/${model}/model.tar.gz`;
    await store.put(url, readFileSync(join(home.dir, 'model.tar.gz')));
    await sagemaker.createModel({ ModelName: model, ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: url } });
    await sagemaker.createEndpointConfig({
      EndpointConfigName: config,
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model, InitialInstanceCount: 1, InstanceType: 'ml.c5.large' }],
    });
  }

  /** A config whose model no host has loaded yet, with its load held until `release`. */
  let heldCount = 0;
  async function aHeldConfig(): Promise<{ config: string; release: () => void }> {
    const model = `model-held-${++heldCount}`;
    await aModelAndConfig(model, `config-held-${heldCount}`);
    let release!: () => void;
    held.set(`${model}-`, new Promise<void>((r) => (release = r)));
    return { config: `config-held-${heldCount}`, release: () => { release(); held.delete(`${model}-`); } };
  }

  afterAll(() => {
    sagemaker.close();
    home.dispose();
  });

  /** An endpoint InService on config-a. */
  async function anEndpointInService(): Promise<string> {
    const name = anEndpointName();
    await sagemaker.createEndpoint({ EndpointName: name, EndpointConfigName: 'config-a' });
    expect((await sagemaker.waitForEndpoint(name)).EndpointStatus).toBe('InService');
    return name;
  }

  /** An endpoint whose create failed. */
  async function aFailedEndpoint(): Promise<string> {
    const name = anEndpointName();
    await sagemaker.createEndpoint({ EndpointName: name, EndpointConfigName: 'config-broken' });
    expect((await sagemaker.waitForEndpoint(name)).EndpointStatus).toBe('Failed');
    return name;
  }

  /** Runs one documented outcome and answers the endpoint's description with the configs involved. */
  const outcomes: Record<keyof typeof LIFECYCLE.outcomes, () => Promise<{ name: string; newConfig: string; previousConfig?: string }>> = {
    createSucceeds: async () => {
      const name = anEndpointName();
      await sagemaker.createEndpoint({ EndpointName: name, EndpointConfigName: 'config-a' });
      return { name, newConfig: 'config-a' };
    },
    createFails: async () => {
      const name = anEndpointName();
      await sagemaker.createEndpoint({ EndpointName: name, EndpointConfigName: 'config-broken' });
      return { name, newConfig: 'config-broken' };
    },
    updateSucceeds: async () => {
      const name = await anEndpointInService();
      await sagemaker.updateEndpoint({ EndpointName: name, EndpointConfigName: 'config-b' });
      return { name, newConfig: 'config-b', previousConfig: 'config-a' };
    },
    updateFails: async () => {
      const name = await anEndpointInService();
      await sagemaker.updateEndpoint({ EndpointName: name, EndpointConfigName: 'config-broken' });
      return { name, newConfig: 'config-broken', previousConfig: 'config-a' };
    },
  };

  describe.each(Object.entries(LIFECYCLE.outcomes))('Outcome: %s', (outcome, documented) => {
    it(`leaves the endpoint ${documented.status} on the ${documented.endpointConfig} config, ${documented.failureReason ? 'with' : 'without'} a FailureReason`, async () => {
      // Act
      const { name, newConfig, previousConfig } = await outcomes[outcome as keyof typeof outcomes]();
      const described = await sagemaker.waitForEndpoint(name);
      // Assess
      expect(described.EndpointStatus).toBe(documented.status);
      expect(described.EndpointConfigName).toBe(documented.endpointConfig === 'new' ? newConfig : previousConfig);
      if (documented.failureReason) expect(described.FailureReason).toContain('the model artifact is corrupt');
      else expect(described.FailureReason).toBeUndefined();
      expect(LIFECYCLE.statuses.transitional).not.toContain(described.EndpointStatus);
      expect(Object.keys(LIFECYCLE.statuses.values)).toContain(described.EndpointStatus);
    });
  });

  it('keeps serving the previous model after a failed update, and clears the FailureReason on the next update', async () => {
    // Prepare
    const name = await anEndpointInService();
    await sagemaker.updateEndpoint({ EndpointName: name, EndpointConfigName: 'config-broken' });
    await sagemaker.waitForEndpoint(name);
    // Act
    const served = await sagemaker.invokeEndpoint(name, BODY).catch((e: Error) => e);
    const { config, release } = await aHeldConfig();
    await sagemaker.updateEndpoint({ EndpointName: name, EndpointConfigName: config });
    const updating = await sagemaker.describeEndpoint({ EndpointName: name });
    release();
    const updated = await sagemaker.waitForEndpoint(name);
    // Assess: the stand-in predictor cannot forecast, but the endpoint is in service (no ServiceUnavailable).
    expect(served).not.toMatchObject({ name: ERRORS.runtime.invokeFailedEndpoint.name });
    expect(updating).toMatchObject({ EndpointStatus: 'Updating', EndpointConfigName: 'config-a' });
    expect(updating.FailureReason).toBeUndefined();
    expect(updated).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: config });
  });

  describe('Function: the operations a Failed endpoint takes', () => {
    it(`refuses UpdateEndpoint with ${ERRORS.controlPlane.updateFailedEndpoint.name}, and changes nothing`, async () => {
      // Prepare
      const name = await aFailedEndpoint();
      const before = await sagemaker.describeEndpoint({ EndpointName: name });
      // Act
      const refused = sagemaker.updateEndpoint({ EndpointName: name, EndpointConfigName: 'config-a' });
      // Assess
      await expect(refused).rejects.toMatchObject({
        name: ERRORS.controlPlane.updateFailedEndpoint.name,
        message: fill(ERRORS.controlPlane.updateFailedEndpoint.message, { arn: ARN(name) }),
      });
      expect(LIFECYCLE.operationsAllowed.Failed).not.toContain('UpdateEndpoint');
      expect(await sagemaker.describeEndpoint({ EndpointName: name })).toEqual(before);
    });

    it('deletes it, after which the name can be created again', async () => {
      // Prepare
      const name = await aFailedEndpoint();
      // Act
      await sagemaker.deleteEndpoint({ EndpointName: name });
      const missing = sagemaker.describeEndpoint({ EndpointName: name });
      await sagemaker.createEndpoint({ EndpointName: name, EndpointConfigName: 'config-a' });
      // Assess
      expect(LIFECYCLE.operationsAllowed.Failed).toContain('DeleteEndpoint');
      await expect(missing).rejects.toMatchObject({ name: ERRORS.controlPlane.describeMissingEndpoint.name });
      expect(await sagemaker.waitForEndpoint(name)).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'config-a' });
    });

    it(`answers InvokeEndpoint with SageMaker Runtime's ${ERRORS.runtime.invokeFailedEndpoint.name}`, async () => {
      const name = await aFailedEndpoint();
      await expect(sagemaker.invokeEndpoint(name, BODY)).rejects.toMatchObject({
        name: ERRORS.runtime.invokeFailedEndpoint.name,
        message: fill(ERRORS.runtime.invokeFailedEndpoint.message, { name, status: 'Failed' }),
      });
    });
  });

  describe('Function: errors, by name and message shape', () => {
    it('DescribeEndpoint of a missing endpoint', async () => {
      await expect(sagemaker.describeEndpoint({ EndpointName: 'nowhere' })).rejects.toMatchObject({
        name: ERRORS.controlPlane.describeMissingEndpoint.name,
        message: fill(ERRORS.controlPlane.describeMissingEndpoint.message, { arn: ARN('nowhere') }),
      });
    });

    it('UpdateEndpoint while Creating, and CreateEndpoint of an existing endpoint', async () => {
      // Prepare
      const { config, release } = await aHeldConfig();
      const name = anEndpointName();
      await sagemaker.createEndpoint({ EndpointName: name, EndpointConfigName: config });
      // Act
      const update = await sagemaker.updateEndpoint({ EndpointName: name, EndpointConfigName: 'config-b' }).catch((e: Error) => e);
      const createAgain = await sagemaker.createEndpoint({ EndpointName: name, EndpointConfigName: 'config-b' }).catch((e: Error) => e);
      const invoke = await sagemaker.invokeEndpoint(name, BODY).catch((e: Error) => e);
      // Assess
      expect(update).toMatchObject({
        name: ERRORS.controlPlane.updateInProgressEndpoint.name, message: fill(ERRORS.controlPlane.updateInProgressEndpoint.message, { arn: ARN(name) }),
      });
      expect(createAgain).toMatchObject({
        name: ERRORS.controlPlane.createExistingEndpoint.name, message: fill(ERRORS.controlPlane.createExistingEndpoint.message, { arn: ARN(name) }),
      });
      expect(invoke).toMatchObject({
        name: ERRORS.runtime.invokeCreatingEndpoint.name, message: fill(ERRORS.runtime.invokeCreatingEndpoint.message, { name, status: 'Creating' }),
      });
      release();
      await sagemaker.waitForEndpoint(name);
    });

    it('InvokeEndpoint of a missing endpoint', async () => {
      await expect(sagemaker.invokeEndpoint('nowhere', BODY)).rejects.toMatchObject({
        name: ERRORS.runtime.invokeMissingEndpoint.name,
        message: fill(ERRORS.runtime.invokeMissingEndpoint.message, { name: 'nowhere', account: '000000000000' }),
      });
    });
  });

  describe('Function: UpdateEndpoint with a DeploymentConfig', () => {
    const allAtOnce = { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 0 }, TerminationWaitInSeconds: 300 }, AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'fee-endpoint 5xx' }] } };

    it('accepts an all-at-once blue/green update with an alarm, and deploys it', async () => {
      const name = await anEndpointInService();
      await sagemaker.updateEndpoint({ EndpointName: name, EndpointConfigName: 'config-b', DeploymentConfig: allAtOnce as never });
      expect(await sagemaker.waitForEndpoint(name)).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'config-b' });
    });

    const routing = DEPLOYMENT_CONFIG.trafficRouting;
    it.each([
      ['a canary on a one-instance variant', { Type: 'CANARY', WaitIntervalInSeconds: 60, CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 } }, 'CanarySize', routing.canarySize],
      ['a linear step on a one-instance variant', { Type: 'LINEAR', WaitIntervalInSeconds: 60, LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 50 } }, 'LinearStepSize', routing.linearStepSize],
      ['an unknown routing type', { Type: 'SOMETIMES', WaitIntervalInSeconds: 60 }, 'TrafficRoutingConfiguration.Type', routing.types.join(', ')],
      ['a wait interval out of range', { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: routing.waitIntervalInSeconds.max + 1 }, 'WaitIntervalInSeconds', `${routing.waitIntervalInSeconds.max}`],
    ])('refuses %s with a ValidationException naming the field, and leaves the endpoint as it was', async (_, traffic, field, documented) => {
      // Prepare
      const name = await anEndpointInService();
      // Act
      const refused = sagemaker.updateEndpoint({ EndpointName: name, EndpointConfigName: 'config-b', DeploymentConfig: { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: traffic } } as never });
      // Assess
      await expect(refused).rejects.toMatchObject({ name: 'ValidationException', field: expect.stringContaining(field) });
      expect(documented).toBeTruthy();
      expect(await sagemaker.describeEndpoint({ EndpointName: name })).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'config-a' });
    });

    it('refuses a TerminationWaitInSeconds beyond the documented range', async () => {
      const name = await anEndpointInService();
      const max = DEPLOYMENT_CONFIG.blueGreenUpdatePolicy.terminationWaitInSeconds.max;
      const refused = sagemaker.updateEndpoint({
        EndpointName: name, EndpointConfigName: 'config-b',
        DeploymentConfig: { BlueGreenUpdatePolicy: { ...allAtOnce.BlueGreenUpdatePolicy, TerminationWaitInSeconds: max + 1 } } as never,
      });
      await expect(refused).rejects.toMatchObject({ name: 'ValidationException', field: 'DeploymentConfig.BlueGreenUpdatePolicy.TerminationWaitInSeconds' });
    });
  });

  describe('restart', () => {
    it('rolls back an update a stopped twin left Updating, and fails a create it left Creating', async () => {
      // Prepare
      const updated = await anEndpointInService();
      const { config } = await aHeldConfig(); // never released: the twin stops while it loads
      await sagemaker.updateEndpoint({ EndpointName: updated, EndpointConfigName: config });
      const created = anEndpointName();
      await sagemaker.createEndpoint({ EndpointName: created, EndpointConfigName: config });
      // Act
      sagemaker.close();
      held.clear();
      sagemaker = aLocalSageMaker(home, { modelLoader: loader });
      const recovered = sagemaker.recover().endpoints;
      // Assess
      expect(recovered.sort()).toEqual([updated, created].sort());
      expect(await sagemaker.describeEndpoint({ EndpointName: updated })).toMatchObject({
        EndpointStatus: LIFECYCLE.outcomes.updateFails.status, EndpointConfigName: 'config-a', FailureReason: ORPHAN_FAILURE_REASON,
      });
      expect(await sagemaker.describeEndpoint({ EndpointName: created })).toMatchObject({
        EndpointStatus: LIFECYCLE.outcomes.createFails.status, EndpointConfigName: config, FailureReason: ORPHAN_FAILURE_REASON,
      });
    });
  });
});
