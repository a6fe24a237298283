import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, describe, expect, it } from 'vitest';

describe('domain/ inside a Temporal workflow bundle', () => {
  it('bundles with the workflow bundler (no Node built-ins) and ships chinese-days as data only', async () => {
    const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {}, trace() {} };
    const { code } = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('../fixtures/domain-probe-workflow.ts', import.meta.url)),
      logger: quiet as never,
    });
    expect(code).toContain('domainProbe');
    expect(code).toContain('Spring Festival,春节'); // the JSON table
    expect(code).not.toContain('daysOfWeek'); // chinese-days' JS (local-time Date code) is not pulled in
  });
});

describe('results do not depend on the host time zone', () => {
  const saved = process.env.TZ;
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  it('same ladder under America/New_York and Pacific/Kiritimati', async () => {
    const { createCalendar } = await import('../../domain/calendar');
    const { planEscalation } = await import('../../domain/escalation');
    for (const tz of ['America/New_York', 'Pacific/Kiritimati', 'UTC']) {
      process.env.TZ = tz;
      const n = planEscalation(
        { assignedOn: '2026-02-02', dueDate: '2026-02-13', status: 'ASSIGNED' },
        createCalendar(),
      );
      expect(n.map((x) => x.date)).toEqual(['2026-02-04', '2026-02-06', '2026-02-14', '2026-02-25', '2026-03-05']);
      expect(createCalendar().isWorkingDay('2026-02-09')).toBe(true); // a Monday
    }
  });
});
