/**
 * Endpoint requests, validated as SageMaker validates them: CreateEndpointConfig's production variants, and
 * the body of an invocation (SageMaker DeepAR's `{"instances": [...], "configuration": {...}}`).
 *
 * An invocation's errors are SageMaker Runtime's, not SageMaker's: `ValidationError` (no such endpoint),
 * `ModelError` (the model container refused the body: DeepAR answers 400), `ServiceUnavailable` (the endpoint
 * is not in service). Each carries the HTTP status the twin's server answers with.
 */
import type { CreateEndpointConfigInput, ProductionVariant } from '@aws-sdk/client-sagemaker';
import { PipelineError } from '../../src/core/errors';
import { DataValidationError, InferenceConfigError } from '../../src/deepar';
import { validationError, invalid } from './errors';
import { requireInstanceType, requireInteger, requireName, requireObject, requireString, required } from './validation';

export const INVOCATION_ERROR_CODES = ['ValidationError', 'ModelError', 'ServiceUnavailable'] as const;
export type InvocationErrorCode = (typeof INVOCATION_ERROR_CODES)[number];

export class EndpointInvocationError extends PipelineError {
  readonly $fault: 'client' | 'server';
  /** When the endpoint is overloaded: how long a client ought to wait before trying again. */
  readonly retryAfterSeconds?: number;

  constructor(
    override readonly name: InvocationErrorCode,
    message: string,
    /** The status the twin's HTTP server answers with: 404 unknown endpoint, 400 bad body, 503 not in service. */
    readonly statusCode: number,
    /** The body field at fault, e.g. `instances[0].target` or `configuration.num_samples`. */
    readonly field?: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.$fault = statusCode >= 500 ? 'server' : 'client';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export function isEndpointInvocationError(e: unknown): e is EndpointInvocationError {
  return e instanceof EndpointInvocationError;
}

/** The body was refused: DeepAR's container answers 400, which SageMaker Runtime reports as a ModelError. */
export function badBody(message: string, field?: string, cause?: unknown): EndpointInvocationError {
  return new EndpointInvocationError('ModelError', message, 400, field, { cause });
}

/** The body DeepAR refused, as a ModelError naming the field (`instances[2].target`, `configuration.num_samples`); else undefined. */
export function refusedBody(e: unknown): { message: string; field: string } | undefined {
  if (e instanceof DataValidationError) {
    const { instance, field } = e.details;
    return { message: e.message, field: [instance !== undefined ? `instances[${instance}]` : '', field ?? ''].filter(Boolean).join('.') };
  }
  if (e instanceof InferenceConfigError) return { message: e.message, field: `configuration.${e.field}` };
  return undefined;
}

/**
 * The endpoint's requests are queued up to a bound: beyond it the client is told to come back, after the time
 * what is queued now takes (whole seconds, at least 1: Retry-After's unit).
 */
export function overloaded(endpointName: string, queued: number, estimatedWaitMs = 0): EndpointInvocationError {
  return new EndpointInvocationError(
    'ServiceUnavailable', `Endpoint ${endpointName} is overloaded: ${queued} requests are waiting already. Try your call again.`, 503, undefined,
    { retryAfterSeconds: Math.max(1, Math.ceil(estimatedWaitMs / 1000)) },
  );
}

/** A production variant as the twin serves it: defaults filled in. */
export type ValidProductionVariant = ProductionVariant & {
  VariantName: string; ModelName: string; InstanceType: NonNullable<ProductionVariant['InstanceType']>; InitialInstanceCount: number; InitialVariantWeight: number;
};
export type ValidEndpointConfigRequest = Omit<CreateEndpointConfigInput, 'EndpointConfigName' | 'ProductionVariants'> & {
  EndpointConfigName: string; ProductionVariants: ValidProductionVariant[];
};

/** CreateEndpointConfig's request. The twin serves one variant per endpoint (one model, one process). */
export function checkEndpointConfigRequest(input: unknown): ValidEndpointConfigRequest {
  const req = requireObject<CreateEndpointConfigInput>(input, 'CreateEndpointConfigInput');
  const name = requireName(req.EndpointConfigName, 'EndpointConfigName');
  const variants = required(req.ProductionVariants, 'ProductionVariants');
  if (!Array.isArray(variants) || variants.length < 1 || variants.length > 10) {
    throw validationError('ProductionVariants', variants, 'Member must have length between 1 and 10');
  }
  if (variants.length > 1) {
    throw invalid(
      `ProductionVariants: the local SageMaker serves one production variant per endpoint config, got ${variants.length}`,
      'ProductionVariants',
    );
  }
  const checked = variants.map((v, i): ValidProductionVariant => {
    const at = `ProductionVariants.${i + 1}`;
    const variant = requireObject<ProductionVariant>(v, at);
    if (variant.ServerlessConfig !== undefined) {
      throw invalid(`${at}.ServerlessConfig: the local SageMaker serves instance-based variants; give InstanceType and InitialInstanceCount`, `${at}.ServerlessConfig`);
    }
    const weight = variant.InitialVariantWeight ?? 1;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw validationError(`${at}.InitialVariantWeight`, weight, 'Member must have value greater than or equal to 0');
    }
    return {
      ...variant,
      VariantName: requireName(variant.VariantName, `${at}.VariantName`),
      ModelName: requireName(variant.ModelName, `${at}.ModelName`),
      InstanceType: requireInstanceType(variant.InstanceType, `${at}.InstanceType`) as ValidProductionVariant['InstanceType'],
      InitialInstanceCount: requireInteger(variant.InitialInstanceCount, `${at}.InitialInstanceCount`, 1, 100),
      InitialVariantWeight: weight,
    };
  });
  return { ...req, EndpointConfigName: name, ProductionVariants: checked };
}

const TRAFFIC_ROUTING_TYPES = ['ALL_AT_ONCE', 'CANARY', 'LINEAR'];
const CAPACITY_TYPES = ['INSTANCE_COUNT', 'CAPACITY_PERCENT'];

/** A CapacitySize as instances of a fleet of `fleet` (a percentage rounds down, as a share of whole instances). */
function capacityIn(size: unknown, at: string, fleet: number): number {
  const c = requireObject<{ Type?: unknown; Value?: unknown }>(size, at);
  if (typeof c.Type !== 'string' || !CAPACITY_TYPES.includes(c.Type)) {
    throw validationError(`${at}.Type`, c.Type, `Member must satisfy enum value set: [${CAPACITY_TYPES.join(', ')}]`);
  }
  const value = requireInteger(c.Value, `${at}.Value`, 1, c.Type === 'CAPACITY_PERCENT' ? 100 : 1_000_000);
  return c.Type === 'INSTANCE_COUNT' ? value : Math.floor((fleet * value) / 100);
}

/**
 * UpdateEndpoint's optional DeploymentConfig (deployment guardrails), checked as the API reference documents it
 * (TrafficRoutingConfig, CapacitySize, BlueGreenUpdatePolicy, AutoRollbackConfig): a canary step is at least one
 * instance and at most 50% of the variant's instances, a linear step 10-50%. The twin then deploys as SageMaker's
 * default update does (the new model replaces the old one once it loads; a failed load rolls back); it has no
 * CloudWatch alarms to watch during a bake.
 */
export function checkDeploymentConfig(input: unknown, instanceCount: number): void {
  if (input === undefined) return;
  const config = requireObject<{ BlueGreenUpdatePolicy?: unknown; RollingUpdatePolicy?: unknown; AutoRollbackConfiguration?: unknown }>(input, 'DeploymentConfig');
  if (config.RollingUpdatePolicy !== undefined) {
    throw invalid('DeploymentConfig.RollingUpdatePolicy: the local SageMaker runs blue/green updates only; give BlueGreenUpdatePolicy', 'DeploymentConfig.RollingUpdatePolicy');
  }
  if (config.BlueGreenUpdatePolicy !== undefined) {
    const at = 'DeploymentConfig.BlueGreenUpdatePolicy';
    const policy = requireObject<{ TrafficRoutingConfiguration?: unknown; TerminationWaitInSeconds?: unknown; MaximumExecutionTimeoutInSeconds?: unknown }>(config.BlueGreenUpdatePolicy, at);
    if (policy.TerminationWaitInSeconds !== undefined) requireInteger(policy.TerminationWaitInSeconds, `${at}.TerminationWaitInSeconds`, 0, 3600);
    if (policy.MaximumExecutionTimeoutInSeconds !== undefined) requireInteger(policy.MaximumExecutionTimeoutInSeconds, `${at}.MaximumExecutionTimeoutInSeconds`, 600, 28800);
    const routingAt = `${at}.TrafficRoutingConfiguration`;
    const routing = requireObject<{ Type?: unknown; WaitIntervalInSeconds?: unknown; CanarySize?: unknown; LinearStepSize?: unknown }>(required(policy.TrafficRoutingConfiguration, routingAt), routingAt);
    if (typeof routing.Type !== 'string' || !TRAFFIC_ROUTING_TYPES.includes(routing.Type)) {
      throw validationError(`${routingAt}.Type`, routing.Type, `Member must satisfy enum value set: [${TRAFFIC_ROUTING_TYPES.join(', ')}]`);
    }
    requireInteger(routing.WaitIntervalInSeconds, `${routingAt}.WaitIntervalInSeconds`, 0, 3600);
    if (routing.Type === 'CANARY') {
      const canary = capacityIn(required(routing.CanarySize, `${routingAt}.CanarySize`), `${routingAt}.CanarySize`, instanceCount);
      if (canary < 1 || canary > instanceCount / 2) {
        throw invalid(`${routingAt}.CanarySize: must be at least one instance and at most 50% of the variant's ${instanceCount} instance(s)`, `${routingAt}.CanarySize`);
      }
    }
    if (routing.Type === 'LINEAR') {
      const step = capacityIn(required(routing.LinearStepSize, `${routingAt}.LinearStepSize`), `${routingAt}.LinearStepSize`, instanceCount);
      if (step < 1 || step < instanceCount / 10 || step > instanceCount / 2) {
        throw invalid(`${routingAt}.LinearStepSize: must be 10-50% of the variant's ${instanceCount} instance(s), and at least one instance`, `${routingAt}.LinearStepSize`);
      }
    }
  }
  if (config.AutoRollbackConfiguration !== undefined) {
    const at = 'DeploymentConfig.AutoRollbackConfiguration';
    const rollback = requireObject<{ Alarms?: unknown }>(config.AutoRollbackConfiguration, at);
    if (rollback.Alarms !== undefined && (!Array.isArray(rollback.Alarms) || rollback.Alarms.length < 1 || rollback.Alarms.length > 10)) {
      throw validationError(`${at}.Alarms`, rollback.Alarms, 'Member must have length between 1 and 10');
    }
    (rollback.Alarms as unknown[] | undefined)?.forEach((alarm, i) => requireString(requireObject<{ AlarmName?: unknown }>(alarm, `${at}.Alarms.${i + 1}`).AlarmName, `${at}.Alarms.${i + 1}.AlarmName`, 255));
  }
}

const BODY_FIELDS = ['instances', 'configuration'];

/**
 * The twin's limits on one invocation (README, "Endpoints"): SageMaker caps the body's bytes, not its content, so a
 * small body could otherwise ask for hours of inference. Beyond them the answer is a 400 naming the field.
 */
export const INVOCATION_LIMITS = { instances: 100, numSamples: 1000 } as const;

/**
 * The envelope of an invocation body: a JSON object with a non-empty `instances` list of objects and an
 * optional `configuration` object. Each instance's fields and the configuration's values are checked by
 * DeepAR itself (its errors name `instances[i]` and the field), and reported as a ModelError too.
 */
export type ValidInvocationBody = { instances: unknown[]; configuration?: unknown };

export function checkInvocationBody(body: unknown): ValidInvocationBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badBody('the request body must be a JSON object {"instances": [...], "configuration": {...}}', '');
  }
  const o = body as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!BODY_FIELDS.includes(key)) throw badBody(`unknown field "${key}" (expected "instances" and optionally "configuration")`, key);
  }
  if (!Array.isArray(o.instances)) throw badBody('"instances" must be a list of {"start": ..., "target": [...]} objects', 'instances');
  if (o.instances.length === 0) throw badBody('"instances" must hold at least one instance', 'instances');
  if (o.instances.length > INVOCATION_LIMITS.instances) {
    throw badBody(`"instances" holds ${o.instances.length} instances: at most ${INVOCATION_LIMITS.instances} per request (send several requests)`, 'instances');
  }
  o.instances.forEach((inst, i) => {
    if (typeof inst !== 'object' || inst === null || Array.isArray(inst)) {
      throw badBody(`instances[${i}] must be a JSON object {"start": "YYYY-MM-DD HH:MM:SS", "target": [...]}`, `instances[${i}]`);
    }
  });
  if (o.configuration !== undefined && (typeof o.configuration !== 'object' || o.configuration === null || Array.isArray(o.configuration))) {
    throw badBody('"configuration" must be a JSON object {"num_samples": ..., "output_types": [...], "quantiles": [...]}', 'configuration');
  }
  const numSamples = (o.configuration as { num_samples?: unknown } | undefined)?.num_samples;
  if (numSamples !== undefined && Number(numSamples) > INVOCATION_LIMITS.numSamples) {
    throw badBody(`configuration.num_samples must be at most ${INVOCATION_LIMITS.numSamples}, got ${JSON.stringify(numSamples)}`, 'configuration.num_samples');
  }
  return { instances: o.instances, configuration: o.configuration };
}
