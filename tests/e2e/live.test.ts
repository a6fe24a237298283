/**
 * Live updates release what they hold: a board user changing pages opens and
 * closes a subscription per page; each closed SSE connection must give back
 * its event-bus listener. (Before the fix the 11th open subscription made the
 * server warn `MaxListenersExceededWarning: 11 notificationReceived listeners`:
 * a filtered subscription only noticed the closed connection when an event for
 * its own user arrived.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAppProcess, type RunningApp } from './browser.ts';

let app: RunningApp;

beforeAll(async () => {
  app = await startAppProcess({}, 'app-live');
}, 120_000);
afterAll(async () => {
  await app?.stop();
}, 30_000);

/** Open an SSE subscription, wait until the server has accepted it, then close the connection. */
async function openAndClose(token: string, query: string): Promise<void> {
  const ac = new AbortController();
  const res = await fetch(`${app.url}/graphql?query=${encodeURIComponent(query)}`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    signal: ac.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  // The first bytes (a keep-alive or the stream's start) mean the subscription is set up.
  await Promise.race([reader.read(), new Promise((r) => setTimeout(r, 300))]);
  ac.abort();
  await reader.cancel().catch(() => undefined);
}

describe('live updates', () => {
  it('closed subscriptions release their listeners: no MaxListenersExceededWarning after 15 page changes', async () => {
    const token = await app.login('office');
    for (let i = 0; i < 15; i++) {
      await openAndClose(token, 'subscription { notificationReceived { id } }');
      await openAndClose(token, 'subscription { taskChanged { taskId } }');
    }
    // Let the server notice the last closes and print any warning.
    await new Promise((r) => setTimeout(r, 1500));
    expect(app.output()).not.toContain('MaxListenersExceededWarning');
  }, 60_000);
});
