import { FsObjectStore } from '../../local/adapters/fs-object-store';
import { LocalEndpointForecaster } from '../../local/adapters/local-endpoint-forecaster';
import { SageMakerEndpointForecaster } from '../../src/adapters/aws/sagemaker-endpoint-forecaster';
import { aTwinHome } from '../builders/twin-home';
import { aFakeTrainer, aLocalSageMaker, aTrainingJobRequest, DEEPAR_IMAGE, ROLE_ARN, writeChannels } from '../local/sagemaker/builders';
import { describeEndpointForecasterContract } from './endpoint-forecaster.contract';
import { naivePredictor } from './fakes/naive-model';
import { fakeSageMakerRuntime } from './fakes/sagemaker-runtime';

const ENDPOINT = 'btc-fee-staging';

describeEndpointForecasterContract("LocalEndpointForecaster over the twin's SageMaker", async () => {
  // The twin's real control plane and endpoint (model, config, endpoint, InService); only the model is the naive one.
  const home = aTwinHome();
  const sageMaker = aLocalSageMaker(home, { trainer: aFakeTrainer(), modelLoader: naivePredictor });
  await sageMaker.createTrainingJob(aTrainingJobRequest('naive', await writeChannels(new FsObjectStore(home.objectsDir))));
  const trained = await sageMaker.waitForTrainingJob('naive');
  await sageMaker.createModel({ ModelName: 'naive', ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: DEEPAR_IMAGE, ModelDataUrl: trained.ModelArtifacts!.S3ModelArtifacts } });
  await sageMaker.createEndpointConfig({ EndpointConfigName: 'naive-config', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'naive', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] });
  await sageMaker.createEndpoint({ EndpointName: ENDPOINT, EndpointConfigName: 'naive-config' });
  await sageMaker.waitForEndpoint(ENDPOINT);
  return {
    forecaster: new LocalEndpointForecaster(sageMaker),
    deployedEndpoint: ENDPOINT,
    dispose() {
      sageMaker.close();
      home.dispose();
    },
  };
});

describeEndpointForecasterContract('SageMakerEndpointForecaster over an in-memory SageMaker Runtime', () => {
  const runtime = fakeSageMakerRuntime();
  runtime.deploy(ENDPOINT);
  return { forecaster: new SageMakerEndpointForecaster({ client: runtime.client }), deployedEndpoint: ENDPOINT, dispose: runtime.restore };
});
