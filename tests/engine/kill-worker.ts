// A worker in its own process, for tests that SIGKILL it (tests/engine/sticky.test.ts).
// Usage: tsx tests/engine/kill-worker.ts <address> <taskQueue>; prints "ready" once polling.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from './activities';
import { bundle } from './helpers';

const [address, taskQueue] = process.argv.slice(2);
Runtime.install({ logger: new DefaultLogger('ERROR') });
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({ connection, taskQueue, workflowBundle: await bundle(), activities });
const running = worker.run();
process.stdout.write('ready\n');
await running;
