/** How an endpoint and its config are recorded in the twin's SQLite file: shared by the control and data planes. */
import type { EndpointStatus } from '@aws-sdk/client-sagemaker';
import { hostedModelKey, type HostedModel } from './model-host';

export interface ConfigRow {
  name: string;
  arn: string;
  request: string;
  creation_time: string;
}

/** `deployed_*`: what serves (null until a model first loads); `pending_config_name`: the config being deployed. */
export interface EndpointRow {
  name: string;
  arn: string;
  status: EndpointStatus;
  deployed_config_name: string | null;
  deployed_model: string | null;
  pending_config_name: string | null;
  failure_reason: string | null;
  owner: string | null;
  creation_time: string;
  last_modified_time: string;
}

/** What an endpoint serves, recorded when it was deployed (so a later deleted config or model does not matter). */
export interface DeployedModel {
  variantName: string;
  modelName: string;
  modelArn: string;
  modelDataUrl: string;
  modelCreationTime: number;
  image: string;
  instanceType: string;
  instanceCount: number;
  weight: number;
  deployedAt: string;
}

/** Statuses in which an endpoint with a deployed model answers (Failed: a row an older twin left Failed after a failed update). */
export const SERVING: ReadonlySet<EndpointStatus> = new Set<EndpointStatus>(['InService', 'Updating', 'Failed']);

export const hostedModelOf = (m: DeployedModel): HostedModel => ({ name: m.modelName, arn: m.modelArn, modelDataUrl: m.modelDataUrl, creationTime: m.modelCreationTime });

export const deployedModelKey = (m: DeployedModel): string => hostedModelKey(hostedModelOf(m));
