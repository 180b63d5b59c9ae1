// The TypeScript SDK's echo worker for the benchmark (`bash scripts/bench.sh`): the same workload
// as bench/src/bin/echo_worker_*.rs, with the SDK's default worker settings.
//
//   node bench/peers/echo_worker.js worker --address HOST:PORT --task-queue QUEUE
//
// Prints `ready` once the worker runs (after bundling the workflow code), then serves until
// killed.
const { NativeConnection, Worker, Runtime, DefaultLogger } = require('@temporalio/worker');

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) {
    console.error(`echo_worker.js: --${name} is required`);
    process.exit(2);
  }
  return process.argv[i + 1];
}

async function main() {
  if (process.argv[2] !== 'worker') {
    console.error('usage: node echo_worker.js worker --address HOST:PORT --task-queue QUEUE');
    process.exit(2);
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: arg('address') });
  const worker = await Worker.create({
    connection,
    taskQueue: arg('task-queue'),
    workflowsPath: require.resolve('./echo_workflow.js'),
    activities: { echo: async (s) => s },
  });
  const running = worker.run();
  console.log('ready');
  await running;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
