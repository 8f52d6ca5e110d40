/** Checks of CreateModelPackage's nested parts: the inference specification and the model metrics. */
import type { InferenceSpecification, ModelMetrics } from '@aws-sdk/client-sagemaker';
import type { FsObjectStore } from '../adapters/fs-object-store';
import { validationError } from './errors';
import {
  required, requireDeepARImage, requireExistingObject, requireInstanceType, requireObject, requireS3Uri, requireString, requireStringMap,
} from './validation';

/** DeepAR containers whose model data (when given) is in the local object store. */
export function checkInferenceSpecification(store: FsObjectStore, value: unknown): InferenceSpecification {
  const spec = requireObject<InferenceSpecification>(required(value, 'InferenceSpecification'), 'InferenceSpecification');
  const containers = required(spec.Containers, 'InferenceSpecification.Containers');
  if (!Array.isArray(containers) || containers.length < 1 || containers.length > 15) {
    throw validationError('InferenceSpecification.Containers', containers, 'Member must be a list of 1 to 15 containers');
  }
  containers.forEach((c, i) => {
    const at = `InferenceSpecification.Containers[${i}]`;
    requireObject(c, at);
    requireDeepARImage(c.Image, `${at}.Image`);
    if (c.ModelDataUrl !== undefined) {
      requireS3Uri(c.ModelDataUrl, `${at}.ModelDataUrl`);
      requireExistingObject(store, c.ModelDataUrl, `${at}.ModelDataUrl`);
    }
    if (c.Environment !== undefined) requireStringMap(c.Environment, `${at}.Environment`, { maxEntries: 100, maxKey: 1024, maxValue: 1024 });
  });
  for (const field of ['SupportedContentTypes', 'SupportedResponseMIMETypes'] as const) {
    const list = spec[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw validationError(`InferenceSpecification.${field}`, list, 'Member must be a list of strings');
    list.forEach((t, i) => requireString(t, `InferenceSpecification.${field}[${i}]`, 256));
  }
  for (const field of ['SupportedTransformInstanceTypes', 'SupportedRealtimeInferenceInstanceTypes'] as const) {
    const list = spec[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw validationError(`InferenceSpecification.${field}`, list, 'Member must be a list of instance types');
    list.forEach((t, i) => requireInstanceType(t, `InferenceSpecification.${field}[${i}]`));
  }
  return spec;
}

/** Every metrics source (`{ContentType, S3Uri}`) anywhere in ModelMetrics must be well formed. */
export function checkModelMetrics(value: unknown): ModelMetrics {
  const metrics = requireObject<ModelMetrics>(value, 'ModelMetrics');
  const walk = (node: unknown, path: string): void => {
    const o = requireObject<Record<string, unknown>>(node, path);
    if ('S3Uri' in o || 'ContentType' in o) {
      requireS3Uri(o.S3Uri, `${path}.S3Uri`);
      requireString(o.ContentType, `${path}.ContentType`, 256);
      return;
    }
    for (const [k, v] of Object.entries(o)) if (v !== undefined) walk(v, `${path}.${k}`);
  };
  walk(metrics, 'ModelMetrics');
  return metrics;
}
