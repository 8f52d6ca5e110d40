/** A versioned parameter, as SSM Parameter Store keeps it. */
export interface Parameter {
  name: string;
  value: string;
  version: number;
  lastModified: Date;
}

export interface ParameterStore {
  /** The latest version, or the given one. Throws ParameterNotFoundError. */
  get(name: string, version?: number): Promise<Parameter>;
  /**
   * Stores a new version and returns it. Without `overwrite`, an existing parameter is left as it is and
   * ParameterAlreadyExistsError is thrown: this is how defaults are seeded without losing users' values.
   */
  put(name: string, value: string, options?: { overwrite?: boolean; description?: string }): Promise<Parameter>;
  /** Every version, oldest first. */
  history(name: string): Promise<Parameter[]>;
}
