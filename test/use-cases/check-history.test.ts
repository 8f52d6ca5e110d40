import { mockClient } from 'aws-sdk-client-mock';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import endpointErrors from '../fixtures/aws/sagemaker-endpoint-errors.json';
import snsSubject from '../fixtures/aws/sns-publish-subject.json';
import { sageMakerEndpointExists } from '../../src/adapters/aws/sagemaker-endpoint-existence';
import { decideFirstDay, isDataStale } from '../../src/core/monitoring-policy';
import { parseRunConfig, requiredHistoryMinutes, DEFAULT_HYPERPARAMETERS, DEFAULT_PARAMETERS } from '../../src/core/run-config';
import { checkMonitoringHistory, checkTrainingHistory, firstDayStateName, markStaleDataNotified, staleDataStateName } from '../../src/use-cases/check-history';
import { range } from '../builders/feature-records';
import { ParameterNotFoundError } from '../../src/ports/errors';
import { InMemoryMonitoringStore } from './fakes';
import { PARAMETER_PATH, aFeatureStoreWith, aParameterStore, aStaleCheck, minutesAfterT0 } from './mothers';

const ENDPOINTS = { staging: 'endpoint-staging', production: 'endpoint-production' };

/** A monitoring check at `asOf` over a feature group holding minutes 0..held-1, with the endpoints given. */
async function aMonitoringCheck(held: number, { deployed = [] as string[], parameters = {} as Parameters<typeof aParameterStore>[0] } = {}) {
  const featureStore = await aFeatureStoreWith(range(held));
  // Two evaluation windows of 30 and a context of 30 (+ 30): what a training needs beyond them is the 120 minutes.
  const parameterStore = await aParameterStore({
    minHistoryMinutes: '120', windowDays: '1', evaluationWindows: '2', hyperparameters: JSON.stringify({ ...DEFAULT_HYPERPARAMETERS, context_length: '30' }), ...parameters,
  });
  const monitoringStore = new InMemoryMonitoringStore();
  const deps = { featureStore, parameterStore, monitoringStore, parameterPath: PARAMETER_PATH, endpoints: ENDPOINTS, endpointExists: async (name: string) => deployed.includes(name) };
  return { deps, parameterStore, monitoringStore, featureStore, check: (asOfMinute = held) => checkMonitoringHistory(deps, { asOf: minutesAfterT0(asOfMinute) }) };
}

describe('Use case: checkTrainingHistory', () => {
  it('counts the distinct minutes the window holds and says "waiting for data: N of M minutes" below the minimum', async () => {
    // Prepare: 100 minutes, one of them written twice.
    const featureStore = await aFeatureStoreWith([...range(100), 5]);
    const parameterStore = await aParameterStore();

    // Act
    const result = await checkTrainingHistory({ featureStore, parameterStore, parameterPath: PARAMETER_PATH }, { asOf: minutesAfterT0(100), windowDays: 7, minHistoryMinutes: 1440 });

    // Assess
    expect(result).toEqual({ minutes: 100, required: 1440, enough: false, message: 'waiting for data: 100 of 1440 minutes' });
    await expect(parameterStore.get(firstDayStateName(PARAMETER_PATH))).rejects.toThrow(ParameterNotFoundError);
  });

  it('counts only the window (windowDays before asOf), and at the minimum marks the first training as started', async () => {
    const featureStore = await aFeatureStoreWith(range(200));
    const parameterStore = await aParameterStore();

    const result = await checkTrainingHistory({ featureStore, parameterStore, parameterPath: PARAMETER_PATH }, { asOf: minutesAfterT0(200), windowDays: 120 / 1440, minHistoryMinutes: 120 });

    expect(result).toMatchObject({ minutes: 120, required: 120, enough: true });
    expect((await parameterStore.get(firstDayStateName(PARAMETER_PATH))).value).toBe('training-started');
  });
});

describe('Use case: checkMonitoringHistory', () => {
  it('records "no model yet" for a stage with no endpoint, never stale data, and measures the stages that have one', async () => {
    const { check, monitoringStore } = await aMonitoringCheck(0, { deployed: ['endpoint-staging'] });

    const result = await check();

    expect(result).toMatchObject({ stagesWithModel: ['staging'], anyModelDeployed: true });
    expect(result.firstDay).toBeUndefined();
    expect(monitoringStore.checks).toEqual([
      { at: minutesAfterT0(0).toISOString(), stage: 'production', outcome: 'no-endpoint', endpoint: 'endpoint-production', detail: 'no model yet: no endpoint endpoint-production exists' },
    ]);
  });

  it('on a stack with no model, waits while the history is short and says so once, not every hour', async () => {
    const { deps } = await aMonitoringCheck(90);

    const hours = [];
    for (const asOf of [30, 60, 90]) hours.push(await checkMonitoringHistory(deps, { asOf: minutesAfterT0(asOf) }));

    expect(hours.map((h) => [h.firstDay?.status, h.firstDay?.message, h.firstDay?.notify, h.firstDay?.startFirstTraining])).toEqual([
      ['waiting-for-data', 'waiting for data: 30 of 120 minutes', true, false],
      ['waiting-for-data', 'waiting for data: 60 of 120 minutes', false, false],
      ['waiting-for-data', 'waiting for data: 90 of 120 minutes', false, false],
    ]);
    expect(hours[0].firstDay?.subject).toBe('DeepAR monitoring: waiting for data');
    expect((await deps.parameterStore.get(firstDayStateName(PARAMETER_PATH))).value).toBe('waiting');
  });

  it('starts the first training once the history suffices (notified once), then never again', async () => {
    const { deps } = await aMonitoringCheck(180);

    const waiting = await checkMonitoringHistory(deps, { asOf: minutesAfterT0(60) });
    const enough = await checkMonitoringHistory(deps, { asOf: minutesAfterT0(120) });
    const after = await checkMonitoringHistory(deps, { asOf: minutesAfterT0(180) });

    expect(waiting.firstDay).toMatchObject({ status: 'waiting-for-data', startFirstTraining: false, notify: true });
    expect(enough.firstDay).toEqual({
      status: 'first-training', startFirstTraining: true, notify: true, subject: 'DeepAR monitoring: first training started',
      message: 'the history suffices (120 of 120 minutes): the first training starts', nextState: 'training-started',
    });
    expect(after.firstDay).toMatchObject({ status: 'no-model-yet', startFirstTraining: false, notify: false });
  });

  it('does not start a "first" training after someone else trained (the training marked it started)', async () => {
    const { deps } = await aMonitoringCheck(180);
    await checkTrainingHistory(deps, { asOf: minutesAfterT0(180), windowDays: 1, minHistoryMinutes: 120 });

    const result = await checkMonitoringHistory(deps, { asOf: minutesAfterT0(180) });

    expect(result.firstDay).toMatchObject({ status: 'no-model-yet', startFirstTraining: false, notify: false });
  });

  it('fails naming the parameter when training/min-history-minutes is not a whole number of minutes, storing nothing', async () => {
    for (const bad of ['0', '-5', '1.5', 'a day', '']) {
      const { check, monitoringStore, parameterStore } = await aMonitoringCheck(10, { parameters: { minHistoryMinutes: bad } });

      await expect(check()).rejects.toMatchObject({
        name: 'ValidationError',
        message: `parameter ${PARAMETER_PATH}/training/min-history-minutes is ${JSON.stringify(bad)}, expected a whole number of minutes, 1 or more`,
      });
      expect(monitoringStore.checks).toEqual([]);
      await expect(parameterStore.get(firstDayStateName(PARAMETER_PATH))).rejects.toThrow(ParameterNotFoundError);
    }
  });
});

describe('Use case: stale data notified once per outage', () => {
  it('stays notified while the data is stale, and clears as soon as it flows', async () => {
    // Prepare: minutes 0..59 held, a model on both stages.
    const { deps, parameterStore } = await aMonitoringCheck(60, { deployed: Object.values(ENDPOINTS) });
    const at = (minute: number) => checkMonitoringHistory(deps, { asOf: minutesAfterT0(minute) });

    // Act / Assess: nothing notified yet.
    expect((await at(120)).staleDataNotified).toBe(false);
    await markStaleDataNotified(deps);
    // Still stale an hour later: notified already.
    expect((await at(180)).staleDataNotified).toBe(true);
    // Data flows (the latest minute is fresh at minute 61): cleared, so the next outage is told again.
    expect((await at(61)).staleDataNotified).toBe(false);
    expect((await parameterStore.get(staleDataStateName(PARAMETER_PATH))).value).toBe('clear');
    expect((await at(240)).staleDataNotified).toBe(false);
  });
});

describe('Monitoring policy: the first day', () => {
  it('sends only subjects SNS Publish accepts (test/fixtures/aws/sns-publish-subject.json)', () => {
    const decisions = [
      decideFirstDay({ minutes: 0, required: 1440 }, undefined),
      decideFirstDay({ minutes: 99_999, required: 99_999 }, 'waiting'),
      decideFirstDay({ minutes: 99_999, required: 1 }, 'training-started'),
    ];
    for (const { subject } of decisions) {
      expect(subject.length).toBeLessThanOrEqual(snsSubject.rule.maxLength);
      expect(subject).not.toMatch(/[\u0000-\u001f\u007f]/);
    }
  });
});

describe('Run-time parameter: training/min-history-minutes', () => {
  it('defaults to one day', () => {
    expect(parseRunConfig(DEFAULT_PARAMETERS).minHistoryMinutes).toBe(1440);
  });

  it('is raised to what a training needs: the evaluation windows held out plus one context and horizon to train on', () => {
    const defaults = parseRunConfig(DEFAULT_PARAMETERS);
    // 48 windows of 30 (one day held out) + 60 + 30: a fresh stack with the defaults waits 1530 minutes, not 1440.
    expect(requiredHistoryMinutes(defaults, 30, 90)).toBe(1530);
    expect(requiredHistoryMinutes({ ...defaults, minHistoryMinutes: 2880 }, 30, 90)).toBe(2880);
    expect(requiredHistoryMinutes({ ...defaults, evaluationWindows: 2 }, 30, 90)).toBe(1440);
  });

  it('monitoring on an empty stack with the defaults waits for 1530 minutes', async () => {
    const { check } = await aMonitoringCheck(1440, { parameters: { minHistoryMinutes: '1440', windowDays: '7', evaluationWindows: '48', hyperparameters: JSON.stringify(DEFAULT_HYPERPARAMETERS) } });

    expect((await check()).firstDay).toMatchObject({ status: 'waiting-for-data', message: 'waiting for data: 1440 of 1530 minutes' });
  });
});

describe('Monitoring policy: stale data', () => {
  it('is judged on the stages that have a model: a stage with no endpoint neither makes nor hides it', () => {
    const noModel = (stage: 'staging' | 'production') => ({ at: '2025-05-01T01:00:00.000Z', stage, outcome: 'no-endpoint' as const, detail: 'no model yet' });

    expect(isDataStale([noModel('staging'), noModel('production')])).toBe(false);
    expect(isDataStale([aStaleCheck(1, 'staging'), noModel('production')])).toBe(true);
    expect(isDataStale([aStaleCheck(1, 'staging'), aStaleCheck(1, 'production')])).toBe(true);
  });
});

describe('Adapter: sageMakerEndpointExists', () => {
  const sageMaker = mockClient(SageMakerClient);
  afterEach(() => sageMaker.reset());

  it('is true for an endpoint DescribeEndpoint answers, false for SageMaker\'s "Could not find endpoint", and throws anything else', async () => {
    const missing = endpointErrors.controlPlane.describeMissingEndpoint;
    sageMaker.on(DescribeEndpointCommand, { EndpointName: 'here' }).resolves({ EndpointName: 'here', EndpointStatus: 'Creating' });
    sageMaker.on(DescribeEndpointCommand, { EndpointName: 'gone' }).rejects(Object.assign(new Error(missing.message.replace('{arn}', 'arn:aws:sagemaker:eu-west-1:1:endpoint/gone')), { name: missing.name }));
    sageMaker.on(DescribeEndpointCommand, { EndpointName: 'busy' }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const exists = sageMakerEndpointExists(new SageMakerClient({ region: 'eu-west-1' }));

    await expect(exists('here')).resolves.toBe(true);
    await expect(exists('gone')).resolves.toBe(false);
    await expect(exists('busy')).rejects.toThrow('Rate exceeded');
  });
});

describe('Run-time parameters: the history a training needs fits in training/window-days', () => {
  it('fails monitoring naming evaluation/windows when its windows and one context need more than the window holds, storing nothing', async () => {
    const { check, monitoringStore } = await aMonitoringCheck(10, { parameters: { windowDays: '1', evaluationWindows: '48', hyperparameters: JSON.stringify(DEFAULT_HYPERPARAMETERS) } });

    await expect(check()).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringMatching(/^parameter \S+\/evaluation\/windows is 48: 48 windows of 30 points held out plus 90 to train on need 1530 minutes, more than \S+\/training\/window-days \(1 days, 1440 minutes\) holds/),
    });
    expect(monitoringStore.checks).toEqual([]);
  });

  it('fails naming training/min-history-minutes when it asks for more minutes than the window holds', async () => {
    const { check } = await aMonitoringCheck(10, { parameters: { windowDays: '1', minHistoryMinutes: '2000' } });

    await expect(check()).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/min-history-minutes is 2000: more minutes than .* holds, so no training would ever start/) });
  });
});
