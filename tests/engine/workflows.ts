// Workflows exercised by the engine tests (bundled by the SDK's webpack bundler).
import * as wf from '@temporalio/workflow';
import type * as acts from './activities';

const { echo, flaky, failNonRetryable, slow } = wf.proxyActivities<typeof acts>({
  startToCloseTimeout: '10s',
  retry: {
    initialInterval: '50ms',
    backoffCoefficient: 2,
    maximumInterval: '200ms',
    maximumAttempts: 5,
    nonRetryableErrorTypes: ['Fatal'],
  },
});

export async function activityWorkflow(name: string): Promise<string> {
  return await echo(name);
}

export async function retryWorkflow(failures: number): Promise<string> {
  return await flaky(failures);
}

export async function nonRetryableWorkflow(): Promise<string> {
  try {
    await failNonRetryable();
    return 'unexpected';
  } catch (e) {
    if (e instanceof wf.ActivityFailure && e.cause instanceof wf.ApplicationFailure)
      return `caught:${e.cause.type}:${e.retryState}`;
    throw e;
  }
}

export async function timerWorkflow(ms: number): Promise<{ before: number; after: number }> {
  const before = Date.now();
  await wf.sleep(ms);
  return { before, after: Date.now() };
}

export const addSignal = wf.defineSignal<[number]>('add');
export const doneSignal = wf.defineSignal('done');
export const countQuery = wf.defineQuery<number>('count');
export const itemsQuery = wf.defineQuery<number[]>('items');

export async function signalCollector(expected: number): Promise<number[]> {
  const items: number[] = [];
  wf.setHandler(addSignal, (n) => {
    items.push(n);
  });
  wf.setHandler(itemsQuery, () => items);
  wf.setHandler(countQuery, () => items.length);
  await wf.condition(() => items.length >= expected);
  return items;
}

export const setValue = wf.defineUpdate<number, [number]>('setValue');
export const getValue = wf.defineQuery<number>('getValue');
export const finish = wf.defineSignal('finish');

export async function updatable(): Promise<number> {
  let value = 0;
  let finished = false;
  wf.setHandler(
    setValue,
    async (v) => {
      const old = value;
      value = v;
      return old;
    },
    {
      validator: (v) => {
        if (v < 0) throw new Error('negative values are rejected');
      },
    },
  );
  wf.setHandler(getValue, () => value);
  wf.setHandler(finish, () => {
    finished = true;
  });
  await wf.condition(() => finished);
  return value;
}

export async function waitForever(): Promise<void> {
  await wf.condition(() => false);
}

export async function cancellableTimer(): Promise<string> {
  try {
    await wf.sleep('1 day');
    return 'slept';
  } catch (e) {
    if (wf.isCancellation(e)) return 'cancelled';
    throw e;
  }
}

export async function childWorkflow(x: number): Promise<number> {
  return x * 2;
}

export async function parentWorkflow(x: number): Promise<number> {
  const a = await wf.executeChild(childWorkflow, { args: [x] });
  const h = await wf.startChild(childWorkflow, { args: [a] });
  return await h.result();
}

export async function continueAsNewWorkflow(n: number, acc: number): Promise<number> {
  if (n <= 0) return acc;
  await wf.sleep(1);
  await wf.continueAsNew<typeof continueAsNewWorkflow>(n - 1, acc + n);
  return -1;
}

export async function searchAttrWorkflow(stage: string): Promise<void> {
  wf.upsertSearchAttributes({ DubanStage: [stage], DubanCount: [42] });
  await wf.condition(() => false, '1 hour').catch(() => undefined);
}

export async function yearTimer(): Promise<number> {
  const start = Date.now();
  await wf.sleep('365 days');
  return Date.now() - start;
}

export async function durableWorkflow(): Promise<string[]> {
  const log: string[] = [];
  let signals = 0;
  let go = false;
  wf.setHandler(addSignal, (n) => {
    log.push(`signal:${n}`);
    signals++;
  });
  wf.setHandler(doneSignal, () => {
    go = true;
  });
  const both = Promise.all([
    slow(3000).then((r) => log.push(`activity:${r}`)),
    wf.sleep('4s').then(() => log.push('timer')),
  ]);
  await wf.condition(() => go);
  // A local activity keeps this workflow task open, so a signal sent now is buffered.
  log.push(`local:${await localSlow(1500)}`);
  await both;
  await wf.condition(() => signals >= 1);
  return log;
}

export async function blockedOnTimerAndSignal(): Promise<string> {
  let got = false;
  wf.setHandler(doneSignal, () => {
    got = true;
  });
  await wf.condition(() => got, '1 day');
  return got ? 'signal' : 'timer';
}

/** Fails its workflow task (plain Error) whenever the last signal is 13; Temporal retries the task. */
export async function failingTask(): Promise<number[]> {
  const items: number[] = [];
  wf.setHandler(addSignal, (n) => {
    items.push(n);
  });
  await wf.condition(() => items.length > 0);
  if (items[items.length - 1] === 13) throw new Error('unlucky 13: fails the workflow task, not the workflow');
  return items;
}

const { slow: slowShort } = wf.proxyActivities<typeof acts>({
  startToCloseTimeout: '300ms',
  retry: { maximumAttempts: 2, initialInterval: '10ms' },
});
const { heartbeater } = wf.proxyActivities<typeof acts>({
  startToCloseTimeout: '20s',
  heartbeatTimeout: '2s',
  cancellationType: 'WAIT_CANCELLATION_COMPLETED',
});

export async function activityTimeout(): Promise<string> {
  try {
    await slowShort(5000);
    return 'unexpected';
  } catch (e) {
    if (e instanceof wf.ActivityFailure && e.cause instanceof wf.TimeoutFailure)
      return `timeout:${e.cause.timeoutType}:${e.retryState}`;
    throw e;
  }
}

export async function cancelHeartbeatingActivity(): Promise<string> {
  const scope = new wf.CancellationScope();
  const p = scope.run(() => heartbeater());
  await wf.sleep(500);
  scope.cancel();
  try {
    return await p;
  } catch (e) {
    if (wf.isCancellation(e)) return 'activity cancelled';
    throw e;
  }
}

/** Signals another workflow by id and cancels a third one. */
export async function externalSignaller(targetId: string, cancelId: string): Promise<string> {
  await wf.getExternalWorkflowHandle(targetId).signal(addSignal, 99);
  await wf.getExternalWorkflowHandle(cancelId).cancel();
  try {
    await wf.getExternalWorkflowHandle('does-not-exist-' + targetId).signal(addSignal, 1);
    return 'unexpected';
  } catch (e) {
    return `missing target rejected: ${(e as Error).name}`;
  }
}

const { echo: localEcho } = wf.proxyLocalActivities<typeof acts>({ startToCloseTimeout: '5s' });

export async function localActivityWorkflow(): Promise<string> {
  const a = await localEcho('local');
  if (wf.patched('v2')) return `${a} (patched)`;
  return a;
}

const { slow: localSlow } = wf.proxyLocalActivities<typeof acts>({ startToCloseTimeout: '5s' });

/** Completes in the same workflow task that a signal races with. */
export async function completeRacingSignal(): Promise<number[]> {
  const items: number[] = [];
  wf.setHandler(addSignal, (n) => {
    items.push(n);
  });
  await localSlow(700);
  return items;
}

const { slow: silentSlow } = wf.proxyActivities<typeof acts>({
  startToCloseTimeout: '20s',
  heartbeatTimeout: '300ms',
  retry: { maximumAttempts: 1 },
});

export async function heartbeatTimeoutWorkflow(): Promise<string> {
  try {
    await silentSlow(3000);
    return 'unexpected';
  } catch (e) {
    if (e instanceof wf.ActivityFailure && e.cause instanceof wf.TimeoutFailure)
      return `timeout:${e.cause.timeoutType}`;
    throw e;
  }
}

export async function parentOfForever(childId: string): Promise<void> {
  await wf.startChild(waitForever, { workflowId: childId, parentClosePolicy: 'TERMINATE' });
  await wf.condition(() => false);
}

/** Fails (retryably) until its third attempt; used with a workflow retry policy. */
export async function retryingWorkflow(): Promise<number> {
  const attempt = wf.workflowInfo().attempt;
  if (attempt < 3) throw wf.ApplicationFailure.retryable(`attempt ${attempt} fails`, 'Flaky');
  return attempt;
}

// ---- behaviours the SDK's own test suite checks (tests/engine/sdk-behaviour.test.ts)

export const neverEndingUpdate = wf.defineUpdate<void>('neverEnding');
export const crashingUpdate = wf.defineUpdate<void>('crashing');

/** Accepts updates that never finish; completes on `finish`. */
export async function unfinishedUpdates(): Promise<string> {
  let finished = false;
  wf.setHandler(neverEndingUpdate, async () => {
    await wf.condition(() => false);
  });
  wf.setHandler(crashingUpdate, () => {
    // Not an ApplicationFailure: fails the workflow task, not the update.
    throw new TypeError('update handler crashed');
  });
  wf.setHandler(finish, () => {
    finished = true;
  });
  await wf.condition(() => finished);
  return 'done';
}

const { sleepInVirtualTime } = wf.proxyActivities<{ sleepInVirtualTime(ms: number): Promise<void> }>({
  startToCloseTimeout: '30 days',
});

/** An activity sleeping through env.sleep() races a timer, in skipped time. */
export async function raceActivityAndTimer(winner: 'timer' | 'activity'): Promise<string> {
  const timerMs = winner === 'timer' ? 1_000_000 : 1_500_000;
  const activityMs = winner === 'timer' ? 1_500_000 : 1_000_000;
  const activity = sleepInVirtualTime(activityMs).then(() => 'activity');
  const first = await Promise.race([wf.sleep(timerMs).then(() => 'timer'), activity]);
  await activity;
  return first;
}

const { echo: summarizedEcho } = wf.proxyActivities<typeof acts>({
  startToCloseTimeout: '10s',
  summary: 'activity summary',
});

/** Commands with summaries, a child with static summary/details, a typed search attribute upsert. */
export async function userMetadataWorkflow(): Promise<string> {
  await summarizedEcho('x');
  await wf.sleep(5, { summary: 'timer summary' });
  await wf.executeChild(childWorkflow, { args: [1], staticSummary: 'child summary', staticDetails: 'child details' });
  wf.upsertSearchAttributes({ DubanWhen: [new Date('2026-03-01T00:00:00Z')] });
  return 'ok';
}

export async function pauseResetWorkflow(state: acts.PauseResetState): Promise<unknown> {
  const { pauseResetSelf } = wf.proxyActivities<typeof acts>({
    startToCloseTimeout: '10s',
    heartbeatTimeout: '2s',
    retry: { initialInterval: '100ms', maximumAttempts: 2 },
  });
  return await pauseResetSelf(state);
}

/** An activity on a queue nobody polls: it stays scheduled (for pause/unpause/reset checks). */
export async function unpolledActivity(): Promise<string> {
  const { echo } = wf.proxyActivities<typeof acts>({ startToCloseTimeout: '10s', taskQueue: 'nobody-polls-this' });
  return await echo('never');
}

export async function bigActivityInput(size: number): Promise<string> {
  return await echo('x'.repeat(size));
}
