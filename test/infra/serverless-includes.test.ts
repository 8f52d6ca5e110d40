/**
 * The twin reads serverless.yml's `${file(...)}` includes the way the Serverless Framework does
 * (test/infra/package.test.ts checks the result against what `sls package` actually deploys).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { resolveFileIncludes } from '../../local/executor/serverless-includes';

let root: string;
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'includes-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('Function: resolveFileIncludes', () => {
  it('reads a YAML include, its CloudFormation tags in long form, and leaves other variables as written', () => {
    // Prepare
    write('parts/functions.yml', 'hello:\n  handler: functions/hello.handler\n  role: !GetAtt HelloRole.Arn\n  environment: ${self:custom.env}\n');

    // Act
    const functions = resolveFileIncludes('${file(./parts/functions.yml)}', { root });

    // Assess
    expect(functions).toEqual({
      hello: { handler: 'functions/hello.handler', role: { 'Fn::GetAtt': ['HelloRole', 'Arn'] }, environment: '${self:custom.env}' },
    });
  });

  it('resolves an include inside an included file from the service directory, as the Framework does', () => {
    write('parts/outer.yml', 'inner: ${file(./parts/inner.yml):value}\n');
    write('parts/inner.yml', 'value: [1, 2]\n');

    expect(resolveFileIncludes({ outer: '${file(./parts/outer.yml)}' }, { root })).toEqual({ outer: { inner: [1, 2] } });
  });

  it('calls a JS module’s function found at the address, and resolves what it returns', () => {
    write('parts/machines.js', "module.exports = { machines: () => ({ a: { definition: '${file(a.asl.yml)}', size: '${file(./parts/size.json):n}' } }) };");
    write('parts/size.json', '{ "n": 3 }');

    const machines = resolveFileIncludes('${file(./parts/machines.js):machines}', { root, keep: new Set(['definition']) });

    expect(machines).toEqual({ a: { definition: '${file(a.asl.yml)}', size: 3 } });
  });

  it('calls a JS module that is itself a function', () => {
    write('parts/fn.js', 'module.exports = () => ({ answer: 42 });');

    expect(resolveFileIncludes('${file(./parts/fn.js):answer}', { root })).toBe(42);
  });

  it('refuses what it cannot read the Framework’s way rather than read it differently', () => {
    write('parts/a.yml', 'x: 1\n');
    write('parts/async.js', 'module.exports = async () => ({ x: 1 });');
    write('parts/asks.js', "module.exports = ({ resolveVariable }) => resolveVariable('self:service');");

    expect(() => resolveFileIncludes('prefix-${file(./parts/a.yml):x}', { root })).toThrow(/whole-value/);
    expect(() => resolveFileIncludes('${file(./parts/a.yml):y}', { root })).toThrow(/no property y/);
    expect(() => resolveFileIncludes('${file(./parts/missing.yml)}', { root })).toThrow(/ENOENT/);
    expect(() => resolveFileIncludes('${file(./parts/async.js)}', { root })).toThrow(/not a promise/);
    expect(() => resolveFileIncludes('${file(./parts/asks.js)}', { root })).toThrow(/cannot resolve Framework variables/);
  });
});
