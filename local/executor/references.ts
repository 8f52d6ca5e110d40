/** What the ARNs and `Ref`s in the definitions point to in the twin. */

/** A Lambda ARN the twin issued (`…:function:<service>-<stage>-<fn>`) → the function's name in serverless.yml. */
export function functionNameOf(arn: string, namePrefix: string): string | undefined {
  const qualified = arn.split(':function:')[1];
  return qualified?.startsWith(`${namePrefix}-`) ? qualified.slice(namePrefix.length + 1) : qualified;
}

/**
 * `Ref: LogicalId`: a state machine's logical id (serverless.yml `id:`) refers to its ARN; any other id
 * to one of the twin's local resources.
 */
export function createRefResolver(
  machines: Record<string, { name: string; logicalId?: string }>,
  stateMachineArn: (name: string) => string,
  localResources: Record<string, string>,
): (logicalId: string) => string {
  return (id) => {
    const machine = Object.values(machines).find((m) => m.logicalId === id);
    if (machine) return stateMachineArn(machine.name);
    const value = localResources[id];
    if (!value) throw new Error(`the twin has no local resource for Ref ${id}`);
    return value;
  };
}
