/**
 * `duban simulate`: what-if. Runs the real reformTask workflow (and, with
 * --plan, the plan's quarterly rounds) in the engine's time-skipping mode,
 * notices captured instead of sent, nothing written, and prints the notices
 * it would send, in time order.
 *
 *   duban simulate --assigned 2026-02-02 --due 2026-02-13 [--ack D] [--report D …] [--settings f.json] --json
 *   duban simulate --plan plan.txt [--assigned D] --json
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { ImportError, parsePlanText, readPlanDocument } from '../../services/import.ts';
import { simulateScenario, simulateTask, type SimulationInput } from '../../runtime/simulate.ts';
import { errorMessage, out } from '../io.ts';

interface SimulateOptions {
  assigned?: string;
  due?: string;
  ack?: string;
  report?: string[];
  settings?: string;
  plan?: string;
  json?: boolean;
}

const today = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

export function register(program: Command): void {
  program
    .command('simulate')
    .description(
      '预演督办提醒：用真实工作流在快进时间中运行，只记录不发送 / What-if: run the real workflow in skipped time and list the notices',
    )
    .option('--assigned <date>', '交办日期 YYYY-MM-DD（--plan 时默认今天）/ assignment date')
    .option('--due <date>', '完成时限 YYYY-MM-DD / due date')
    .option('--ack <date>', '签收日期 / acknowledgement date')
    .option('--report <date...>', '进展报告日期（可多个）/ progress report dates')
    .option('--settings <file>', '方案设置 JSON（thresholds, noticeTime）/ plan settings JSON')
    .option('--plan <file>', '整份方案（含季度督查，一年）/ a whole plan with its quarterly rounds over a year')
    .option('--json', '输出 JSON / print JSON')
    .action(async (opts: SimulateOptions) => {
      // The SDK logs to the console by default; stdout must carry only the result.
      Runtime.install({ logger: new DefaultLogger('ERROR', (entry) => process.stderr.write(`${entry.message}\n`)) });
      let settings: SimulationInput['settings'];
      if (opts.settings) {
        try {
          settings = JSON.parse(await fs.readFile(opts.settings, 'utf8'));
        } catch (e) {
          await errorMessage(
            `无法读取设置文件：${opts.settings}`,
            `Cannot read the settings file: ${(e as Error).message}`,
          );
          process.exitCode = 2;
          return;
        }
      }
      try {
        let notices: { kind: string; at: string; to: string[]; task?: string }[];
        if (opts.plan) {
          let text: string;
          try {
            text = (await readPlanDocument(await fs.readFile(opts.plan), opts.plan)).text;
          } catch (e) {
            if (e instanceof ImportError) throw e;
            throw new ImportError(`无法读取文件：${opts.plan}`, `Cannot read ${opts.plan}`);
          }
          const parsed = parsePlanText(text, path.basename(opts.plan));
          const start = opts.assigned ?? today();
          const until = `${Number(start.slice(0, 4)) + 1}${start.slice(4)}`;
          const tasks = parsed.tasks
            .map((t, i) => ({
              id: `t${i + 1}`,
              title: t.title,
              due:
                t.deadlines
                  .map((d) => d.date)
                  .filter(Boolean)
                  .sort()
                  .at(-1) ?? until,
            }))
            .map((t) => ({ ...t, due: t.due! < start ? until : t.due! }));
          notices = await simulateScenario({
            start,
            tasks,
            rounds: { planTitle: parsed.title ?? '', count: 4 },
            settings,
            until,
          });
        } else {
          if (!opts.assigned || !opts.due) {
            await errorMessage('请给出 --assigned 和 --due，或 --plan。', 'Give --assigned and --due, or --plan.');
            process.exitCode = 2;
            return;
          }
          notices = await simulateTask({
            assigned: opts.assigned,
            due: opts.due,
            acknowledged: opts.ack,
            reports: opts.report,
            settings,
          });
        }
        if (opts.json) {
          await out(JSON.stringify(notices));
        } else {
          for (const n of notices)
            await out(`${n.at}  ${n.kind.padEnd(12)} → ${n.to.join(', ')}${n.task ? `  ${n.task}` : ''}`);
        }
      } catch (e) {
        if (e instanceof ImportError) {
          await errorMessage(e.zh, e.en);
        } else {
          const [zh, en] = ((e as Error).message ?? '').split(' / ');
          await errorMessage(zh ?? '', en ?? zh ?? '');
        }
        process.exitCode = 2;
      }
    });
}
