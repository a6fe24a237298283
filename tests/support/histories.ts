/**
 * Every workflow history a test produces is kept and replayed at the end of
 * `npm test` (tests/support/replay-all.ts): a change that makes any of them
 * non-deterministic fails the build. Test files that run Duban's workflows
 * call `keepHistories(client)` before they tear their engine down.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Client } from '@temporalio/client';

export const HISTORY_DIR_ENV = 'DUBAN_HISTORY_DIR';

/** Write the history of every execution the client's namespace holds (each run of a chain too). */
export async function keepHistories(client: Client | undefined, label: string): Promise<number> {
  const dir = process.env[HISTORY_DIR_ENV];
  if (!dir || !client) return 0;
  let n = 0;
  const safe = label.replace(/[^\w.-]+/g, '_');
  for await (const wf of client.workflow.list()) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    const file = path.join(dir, `${safe}--${wf.workflowId}--${wf.runId}.json`);
    fs.writeFileSync(file, historyToJSON(history));
    n++;
  }
  return n;
}
