// The TypeScript SDK's echo workflow (bundled by the worker at start): `EchoWorkflow(s) -> s`
// running one activity `echo(s) -> s` with a 30 s start-to-close timeout.
const { proxyActivities } = require('@temporalio/workflow');

const { echo } = proxyActivities({ startToCloseTimeout: '30 seconds' });

async function EchoWorkflow(s) {
  return await echo(s);
}

module.exports = { EchoWorkflow };
