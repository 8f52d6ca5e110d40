/**
 * The four state machines share one shape, written once here: each runs its definition from
 * statemachines/ (the very file the local twin runs) under its own role (serverless/iam/), traced by
 * X-Ray, logging errors to its own log group, and alarming on failed or timed-out executions. Only the
 * table below differs between them.
 *
 * serverless.yml includes `stateMachines` for the serverless-step-functions plugin and `logGroups` among
 * the resources. The Framework resolves the `${...}` variables in what this returns as if they were
 * written in serverless.yml; local/executor/definitions.ts reads `stateMachines` the same way.
 */
'use strict';

/** name -> its definition and what it has beyond the shared shape. */
const STATE_MACHINES = {
  training: { definition: 'statemachines/training.asl.yml' },
  deployment: { definition: 'statemachines/deployment.asl.yml' },
  monitoring: {
    definition: 'statemachines/monitoring.asl.yml',
    events: [{ schedule: { rate: 'rate(1 hour)', enabled: true } }],
  },
  deployEndpoint: { definition: 'statemachines/deploy-endpoint.asl.yml' },
};

const logicalId = (name) => `${name[0].toUpperCase()}${name.slice(1)}StateMachine`;
const fullName = (name) => `\${self:service}-\${sls:stage}-${name}`;
const arnOf = (resource) => ({ 'Fn::GetAtt': [resource, 'Arn'] });

function stateMachine(name, { definition, events }) {
  return {
    id: logicalId(name),
    name: fullName(name),
    role: arnOf(`${logicalId(name)}Role`),
    tracingConfig: { enabled: true },
    // Errors only, never the execution data (it holds task tokens and evidence).
    loggingConfig: { level: 'ERROR', includeExecutionData: false, destinations: [arnOf(`${logicalId(name)}LogGroup`)] },
    // Failed or timed-out executions page the notifications topic.
    alarms: {
      nameTemplate: '$[stateMachineName]-$[cloudWatchMetricName]',
      topics: { alarm: { Ref: 'NotificationsTopic' } },
      metrics: ['executionsFailed', 'executionsTimedOut'],
      treatMissingData: 'notBreaching',
    },
    ...(events ? { events } : {}),
    definition: `\${file(${definition})}`,
  };
}

/** Each machine's execution log. The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy small. */
function logGroup(name) {
  return {
    Type: 'AWS::Logs::LogGroup',
    Properties: { LogGroupName: `/aws/vendedlogs/states/${fullName(name)}`, RetentionInDays: 30 },
  };
}

const entries = (build) => Object.fromEntries(Object.entries(STATE_MACHINES).map(([name, machine]) => build(name, machine)));

module.exports = {
  stateMachines: () => entries((name, machine) => [name, stateMachine(name, machine)]),
  logGroups: () => ({ Resources: entries((name) => [`${logicalId(name)}LogGroup`, logGroup(name)]) }),
};
