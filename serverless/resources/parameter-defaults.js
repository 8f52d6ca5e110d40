/**
 * `${file(./serverless/resources/parameter-defaults.js):defaultsHash}` in parameters.yml: the fingerprint of
 * the run-time parameters' defaults, computed by the core (src/core/seed-parameters.ts) so the template
 * and the seeding function can never disagree on what the defaults are. tsx loads the TypeScript source
 * in a scope of its own (nothing is registered in the Framework's process).
 */
'use strict';

const { require: requireTypeScript } = require('tsx/cjs/api');

module.exports = {
  defaultsHash: () => requireTypeScript('../../src/core/seed-parameters.ts', __filename).defaultParametersHash(),
};
