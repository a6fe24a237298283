// temporal.api.testservice.v1.TestService: the time-skipping controls the SDK's
// TestWorkflowEnvironment uses. Lock/unlock nest like the Java test server;
// sleeps wait in virtual time, which the clock skips over when unlocked and idle.
import type { Engine } from './engine.js';
import { durMs, ts, tsMs } from './proto.js';
import type { Handler } from './grpc.js';

export function testServiceHandlers(engine: Engine): Record<string, Handler> {
  const clock = engine.clock;
  const sleepUntil = (at: number) =>
    new Promise<void>((resolve) => {
      if (clock.now() >= at) return resolve();
      clock.schedule(at, resolve);
      clock.requestSkipCheck();
    });
  return {
    GetCurrentTime: () => ({ time: ts(clock.now()) }),
    LockTimeSkipping: () => {
      clock.lock();
      return {};
    },
    UnlockTimeSkipping: () => {
      clock.unlock();
      return {};
    },
    Sleep: async (r: any) => {
      await sleepUntil(clock.now() + durMs(r.duration));
      return {};
    },
    SleepUntil: async (r: any) => {
      await sleepUntil(tsMs(r.timestamp));
      return {};
    },
    UnlockTimeSkippingWithSleep: async (r: any) => {
      const at = clock.now() + durMs(r.duration);
      clock.sleepers++;
      try {
        await sleepUntil(at);
      } finally {
        clock.sleepers--;
      }
      return {};
    },
  };
}
