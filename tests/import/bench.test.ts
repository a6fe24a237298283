/**
 * The benchmark harness and the synthetic plan the import benchmark builds:
 * the figures are only meaningful if the plan really has 1,000 distinct tasks.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePlanText } from '../../services/import.ts';
import { chineseNumeral, syntheticPlan } from '../../bench/import.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const seed = (name: string) => fs.readFileSync(`${root}tests/fixtures/seeds/${name}.txt`, 'utf8');

describe('synthetic plan for the import benchmark', () => {
  it('writes Chinese heading numerals', () => {
    const cases: [number, string][] = [
      [1, '一'],
      [10, '十'],
      [11, '十一'],
      [34, '三十四'],
      [99, '九十九'],
      [100, '一百'],
      [101, '一百零一'],
      [110, '一百一十'],
      [115, '一百一十五'],
      [230, '二百三十'],
    ];
    for (const [n, numeral] of cases) expect(chineseNumeral(n)).toBe(numeral);
    expect(() => chineseNumeral(1000)).toThrow(RangeError);
  });

  for (const name of ['hubei-health-service-system-plan-2024', 'dehui-county-medical-community-plan-2023']) {
    it(`repeats the task sections of ${name} into exactly 1,000 distinct tasks`, () => {
      const text = syntheticPlan(seed(name), 1000);
      const plan = parsePlanText(text);
      expect(plan.tasks).toHaveLength(1000);
      // Distinct paths: the database keys tasks by (plan, path).
      expect(new Set(plan.tasks.map((t) => t.path.join(' › '))).size).toBe(1000);
      // Every top-level heading was read as one (none fell into the text above it).
      const headings = text.split('\n').filter((l) => /（第\d+轮）$/.test(l));
      expect(new Set(plan.tasks.map((t) => t.path[0])).size).toBe(headings.length);
      // The repeated tasks keep what makes them tasks: departments and targets.
      expect(plan.tasks.filter((t) => t.lead.length).length).toBeGreaterThan(900);
      expect(plan.tasks.some((t) => t.targets.length)).toBe(true);
    });
  }
});

describe('bench/run.ts', () => {
  it('reports a missing benchmark as an error entry on stdout and exits 1', async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', 'no-such-bench'], { cwd: root });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out }));
    });
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry.bench).toBe('no-such-bench');
    expect(entry.error).toContain('available: ');
    expect(entry.error).toContain('import');
  });
});
