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
