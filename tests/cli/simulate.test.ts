import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(import.meta.dirname, '..', '..');
const duban = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'bin', 'duban.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });

describe('duban simulate', () => {
  it('prints exactly one JSON array of the notices the real workflow would send', () => {
    const r = duban('simulate', '--assigned', '2026-02-02', '--due', '2026-02-13', '--ack', '2026-02-03', '--json');
    expect(r.status, r.stderr).toBe(0);
    const notices = JSON.parse(r.stdout);
    expect(notices).toEqual([
      { kind: 'WARNING', at: '2026-02-06T09:00:00+08:00', to: ['LEAD_DEPARTMENT'] },
      { kind: 'LEVEL1', at: '2026-02-14T09:00:00+08:00', to: ['LEAD_DEPARTMENT'] },
      { kind: 'LEVEL2', at: '2026-02-25T09:00:00+08:00', to: ['DEPARTMENT_HEAD', 'OFFICE'] },
      { kind: 'LEVEL3', at: '2026-03-05T09:00:00+08:00', to: ['SUPERVISOR'] },
    ]);
  });

  it('runs a whole plan with its quarterly rounds over a year', () => {
    const plan = path.join(root, 'tests', 'fixtures', 'seeds', 'hubei-health-service-system-plan-2024.txt');
    const r = duban('simulate', '--plan', plan, '--assigned', '2026-01-05', '--json');
    expect(r.status, r.stderr).toBe(0);
    const notices: { kind: string; at: string; task: string }[] = JSON.parse(r.stdout);
    const rounds = notices.filter((n) => n.kind === 'REPORT_DUE').map((n) => n.at.slice(0, 10));
    // Rounds open on the first working day after each quarter (Q3: after the National Day holiday).
    // 2027 has no official calendar yet, so New Year's Day counts as a working day until an admin loads it.
    expect([...new Set(rounds)]).toEqual(['2026-04-01', '2026-07-01', '2026-10-08', '2027-01-01']);
    expect(notices.filter((n) => n.kind === 'ACK_REMINDER').every((n) => n.at === '2026-01-07T09:00:00+08:00')).toBe(
      true,
    );
    expect([...notices].sort((a, b) => a.at.localeCompare(b.at))).toEqual(notices);
  });

  it('refuses bad dates with exit 2 and a bilingual message', () => {
    const r = duban('simulate', '--assigned', '2026-2-2', '--due', '2026-02-13', '--json');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/错误：.*YYYY-MM-DD/);
  });
});
