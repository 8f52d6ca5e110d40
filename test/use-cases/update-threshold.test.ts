import { parameterName } from '../../src/core/run-config';
import { updateThreshold } from '../../src/use-cases/update-threshold';
import { PARAMETER_PATH, aParameterStore } from './mothers';

const PACKAGE = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/btc-fee/7';
const THRESHOLD = parameterName(PARAMETER_PATH, 'threshold');

describe('Use case: updateThreshold', () => {
  it('moves the threshold toward a better loss: 0.1 + |0.1 − 0.5| × 0.5 = 0.3, as a new version saying why', async () => {
    // Prepare
    const parameterStore = await aParameterStore({ threshold: '0.5', updateRate: '0.5' });

    // Act
    const result = await updateThreshold({ parameterStore, parameterPath: PARAMETER_PATH }, { loss: 0.1, modelPackageArn: PACKAGE });

    // Assess
    expect(result).toEqual({ previous: 0.5, current: expect.closeTo(0.3, 12), updated: true, version: 3 });
    expect(Number((await parameterStore.get(THRESHOLD)).value)).toBeCloseTo(0.3, 12);
    expect(parameterStore.descriptions.get(THRESHOLD)).toBe(`moved toward ${PACKAGE}'s loss 0.1`);
  });

  it('leaves the threshold as it is when the loss does not beat it', async () => {
    // Prepare
    const parameterStore = await aParameterStore({ threshold: '0.5' });

    // Act
    const result = await updateThreshold({ parameterStore, parameterPath: PARAMETER_PATH }, { loss: 0.6, modelPackageArn: PACKAGE });

    // Assess
    expect(result).toEqual({ previous: 0.5, current: 0.5, updated: false, reason: 'loss 0.6 does not beat the threshold 0.5' });
    expect(await parameterStore.history(THRESHOLD)).toHaveLength(2);
  });
});
