/**
 * The SDK's workflow threads without its promise stack-trace hook.
 *
 * For Temporal's `__stack_trace` query (the Web UI's "Stack Trace" tab), the
 * SDK's workflow thread installs a V8 promise hook that, for every promise
 * workflow code creates, compiles two small functions, builds an Error and
 * formats its stack through the bundle's source map (sdk-typescript#1587,
 * open). Measured with `npm run bench:scale` at 1,000 tasks it took about a
 * third of the workflow thread, the busiest thread of the app; without it the
 * app spent 25 s of CPU instead of 36 s to start and assign the tasks.
 *
 * Duban never asks a workflow for its stack, so each workflow thread the SDK
 * starts first replaces the hook's installer with a no-op. That is the SDK's
 * own path for runtimes without promise hooks: everything runs the same, and
 * a stack-trace query answers "Workflow stack traces are not enabled on this
 * worker". WORKER_WORKFLOW_STACK_TRACES=1 keeps the hook (to debug a stuck
 * workflow from the Temporal UI of a real cluster).
 */
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const threads = require('node:worker_threads') as typeof import('node:worker_threads');

/** The script every SDK workflow thread runs (threaded-vm.js starts it by its path). */
const SDK_THREAD = /[\\/]@temporalio[\\/]worker[\\/]lib[\\/]workflow[\\/]workflow-worker-thread\.js$/;

let installed = false;

/** From now on, workflow threads the SDK starts in this process run without the promise hook. Idempotent. */
export function withoutWorkflowStackTraces(): void {
  if (installed || process.env.WORKER_WORKFLOW_STACK_TRACES === '1') return;
  installed = true;
  const Original = threads.Worker;
  class WorkflowThread extends Original {
    constructor(filename: string | URL, options?: import('node:worker_threads').WorkerOptions) {
      if (typeof filename !== 'string' || !SDK_THREAD.test(filename)) {
        super(filename, options);
        return;
      }
      // The thread's own copy of vm-shared.js: its hook installer becomes a no-op before the SDK loads it.
      const vmShared = path.join(path.dirname(filename), 'vm-shared.js');
      super(
        `require(${JSON.stringify(vmShared)}).GlobalHandlers.prototype.setPromiseHook = function () {};\n` +
          `require(${JSON.stringify(filename)});`,
        { ...options, eval: true },
      );
    }
  }
  threads.Worker = WorkflowThread;
}
