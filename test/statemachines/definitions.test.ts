/** Every definition is valid ASL, in JSONPath (the twin's executor does not run JSONata), and complete. */
import aslValidator from 'asl-validator';
import { loadRawDefinition, readServerlessConfig, resolveReferences, taskStates, type Definition, type Json } from '../../local/executor/definitions';

const machines = Object.keys(readServerlessConfig().stateMachines);
const resolved = (machine: string) =>
  resolveReferences(loadRawDefinition(machine) as Json, {
    functionArn: (fn) => `arn:aws:lambda:us-east-1:123456789012:function:svc-dev-${fn}`,
    ref: (id) => `arn:aws:sns:us-east-1:123456789012:${id}`,
  }) as Definition;

describe.each(machines)('State machine: %s', (machine) => {
  it('passes asl-validator', () => {
    // asl-validator adds fields to what it checks: give it a copy.
    const { isValid, errors } = aslValidator(JSON.parse(JSON.stringify(resolved(machine))));
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it('stays in JSONPath: no JSONata, no Assign', () => {
    const text = JSON.stringify(loadRawDefinition(machine));
    expect(text).not.toMatch(/"QueryLanguage"|"Assign"|\{%/);
  });

  it('gives every Task a Catch and every Retry and Catch a Comment that says why', () => {
    for (const [name, state] of taskStates(resolved(machine))) {
      expect({ name, hasCatch: Array.isArray(state.Catch) }).toEqual({ name, hasCatch: true });
      for (const rule of [...((state.Retry as Json[]) ?? []), ...((state.Catch as Json[]) ?? [])] as Array<{ Comment?: string }>) {
        expect({ name, comment: typeof rule.Comment }).toEqual({ name, comment: 'string' });
      }
    }
  });

  it('reaches every state from StartAt', () => {
    const definition = resolved(machine);
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      const state = definition.States[name] as Record<string, Json>;
      const next = [state.Next, state.Default, ...((state.Choices as Array<{ Next: string }>) ?? []).map((c) => c.Next), ...((state.Catch as Array<{ Next: string }>) ?? []).map((c) => c.Next)];
      for (const n of next) if (typeof n === 'string') visit(n);
    };
    visit(definition.StartAt);
    expect([...seen].sort()).toEqual(Object.keys(definition.States).sort());
  });
});
