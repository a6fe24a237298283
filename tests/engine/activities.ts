// Activities used by the engine tests.
import { ApplicationFailure, Context } from '@temporalio/activity';

export async function echo(s: string): Promise<string> {
  return `hello ${s}`;
}

export async function flaky(failures: number): Promise<string> {
  const attempt = Context.current().info.attempt;
  if (attempt <= failures) throw new Error(`failing attempt ${attempt}`);
  return `ok after ${attempt}`;
}

export async function failNonRetryable(): Promise<string> {
  throw ApplicationFailure.create({ type: 'Fatal', message: 'do not retry' });
}

export async function slow(ms: number): Promise<string> {
  const ctx = Context.current();
  await ctx.sleep(ms);
  return `slept ${ms} (attempt ${ctx.info.attempt})`;
}

export async function heartbeater(): Promise<string> {
  const ctx = Context.current();
  for (let i = 0; i < 200; i++) {
    ctx.heartbeat(i);
    await ctx.sleep(50); // rejects with CancelledFailure once cancellation is delivered
  }
  return 'finished without cancel';
}

export interface PauseResetState {
  pause?: boolean;
  unpause?: boolean;
  reset?: boolean;
  shouldRetry?: boolean;
}

/**
 * Pauses and/or resets itself through the client, then heartbeats until the
 * engine reports it (the SDK cancels the attempt); returns the cancellation
 * details, or fails to be retried when `shouldRetry`.
 */
export async function pauseResetSelf(state: PauseResetState): Promise<unknown> {
  const ctx = Context.current();
  const info = ctx.info;
  if (info.attempt > 1) return { attempt: info.attempt };
  const svc = ctx.client.workflowService;
  const req = {
    namespace: info.workflowNamespace,
    execution: { workflowId: info.workflowExecution?.workflowId, runId: info.workflowExecution?.runId },
    id: info.activityId,
  };
  if (state.pause) await svc.pauseActivity(req);
  if (state.reset) await svc.resetActivity(req);
  for (;;) {
    try {
      ctx.heartbeat();
      await ctx.sleep(200);
    } catch (err) {
      if (!state.shouldRetry) return { ...ctx.cancellationDetails };
      if (state.unpause) await svc.unpauseActivity(req);
      throw err;
    }
  }
}
