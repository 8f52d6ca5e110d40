// Fails unless the test run in the Jest JSON report ($1) ran and passed every cfn-lint test: with cfn-lint
// installed, a skipped or missing one would let an unlinted template through CI.
'use strict';
const { readFileSync } = require('node:fs');

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const linted = report.testResults
  .flatMap((file) => file.assertionResults)
  .filter((test) => test.ancestorTitles.includes('Stack: CloudFormation linter') && test.title.includes('cfn-lint'));
const notPassed = linted.filter((test) => test.status !== 'passed');
if (linted.length < 2 || notPassed.length > 0) {
  console.error(
    `cfn-lint is installed but its tests did not all pass (found ${linted.length}, expected the template's and the definitions'): ` +
      (notPassed.map((test) => `${test.title}: ${test.status}`).join('; ') || 'missing from the run'),
  );
  process.exit(1);
}
console.log(`cfn-lint ran: ${linted.map((test) => test.title).join('; ')}`);
