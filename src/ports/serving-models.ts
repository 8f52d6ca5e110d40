/** What a stage's endpoint serves, as the model registry recorded it when the model was registered. */
export interface ServingModel {
  /** The SageMaker model the endpoint's variant hosts (the training job's name in this project). */
  modelName: string;
  /** The registered model package of that model, when the registry holds one. */
  modelPackageArn?: string;
  /** The loss the gate saw and the model was approved at: the package's many-window mean wQuantileLoss. */
  approvedLoss?: number;
}

export interface ServingModels {
  /** The model an endpoint serves; undefined when no such endpoint exists. */
  servingModel(endpointName: string): Promise<ServingModel | undefined>;
}
