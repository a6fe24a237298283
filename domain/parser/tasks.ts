// What every import does to its tasks, from text or from a table: targets
// read from a task's text, and the unassigned and past-deadline warnings.

import { findDeadlines, type DeadlineContext } from './deadlines';
import { sentences, targetsInSentence } from './targets';
import type { ParsedDeadline, ParsedTarget, ParsedTask, ParseOptions, ParseWarning } from './types';

const zhDate = (d: string) => `${Number(d.slice(0, 4))}年${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;

export function dedupeDeadlines(ds: ParsedDeadline[]): ParsedDeadline[] {
  const seen = new Set<string>();
  return ds.filter((d) => (seen.has(d.text) ? false : (seen.add(d.text), true)));
}

/** Targets of task text: a target takes the date of a deadline in its own sentence. */
export function taskTargets(text: string, dctx: DeadlineContext = {}): ParsedTarget[] {
  const out: ParsedTarget[] = [];
  for (const s of sentences(text)) {
    const date = findDeadlines(s.text, dctx)[0]?.date ?? null;
    out.push(...targetsInSentence(s.text, { date }));
  }
  return out;
}

/** Unassigned and past-date warnings, past flags. Shared with table imports. */
export function finishTasks(tasks: ParsedTask[], warnings: ParseWarning[], options: ParseOptions): void {
  for (const [i, task] of tasks.entries()) {
    const n = () => i + 1;
    if (task.lead.length === 0) {
      task.unassigned = true;
      warnings.push({
        code: 'UNASSIGNED_TASK',
        message: task.cooperating.length
          ? `第${n()}项「${task.title}」未写明牵头单位（${task.cooperating.join('、')}仅为配合），请指定牵头单位。`
          : `第${n()}项「${task.title}」原文未写明责任单位，未自动指定，请办公室指派。`,
        messageEn: task.cooperating.length
          ? `Task ${n()}: no lead department named (only ${task.cooperating.join(', ')} cooperating); assign one.`
          : `Task ${n()}: the text names no responsible department; none was guessed, assign one.`,
        path: task.path,
      });
    }
    if (options.today) {
      const past = task.deadlines.filter((d) => d.date && d.date < options.today!);
      for (const d of past) d.past = true;
      if (past.length) {
        const dates = past.map((d) => d.date!).join('、');
        warnings.push({
          code: 'PAST_DEADLINE',
          message: `第${n()}项「${task.title}」的时限 ${dates} 早于导入日（${zhDate(options.today)}），已标记为过期：不会据此生成逾期催办，交办时请重新确定时限。`,
          messageEn: `Task ${n()}: deadline ${dates} is before the import day; marked past, no overdue notices will come of it. Set a new deadline on assignment.`,
          path: task.path,
        });
        task.evidence?.push({ field: 'deadline', text: dates, reason: '时限早于导入日，已过期' });
      }
    }
  }
}
