/**
 * Vitest global setup: gives the test run a directory for histories, and at
 * the end replays every one of them against today's workflow code with the
 * SDK's replayer. Any failure fails `npm test`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleOptions } from '../../runtime/worker.ts';
import { HISTORY_DIR_ENV } from './histories.ts';

export function setup(): () => Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-histories-'));
  process.env[HISTORY_DIR_ENV] = dir;
  return async () => {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    if (!files.length) return;
    // The replayer logs every worker it creates; only warnings matter here.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const workflowBundle = await bundleWorkflowCode(bundleOptions());
    const histories = files.map((f) => ({
      workflowId: f,
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))),
    }));
    const failures: string[] = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle }, histories)) {
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message.slice(0, 300)}`);
    }
    console.log(`[replay-all] ${histories.length} histories from this run replayed, ${failures.length} failed.`);
    if (failures.length) {
      throw new Error(`Histories that do not replay:\n${failures.join('\n')}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
