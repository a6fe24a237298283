// 督查通报: what a closed round's bulletin says, from its frozen evaluation.
//
// Counts: tasks led (not cancelled), closed, on schedule (open and green or
// blue), behind (yellow), overdue (red); the share closed. The lagging items
// are the open tasks that were yellow or red when the round closed, named by
// department. Praise and criticism follow the plan's rules (settings.bulletin,
// defaults below): praised when the score reaches praiseMinScore with no
// overdue task and no missing report; criticised when overdue tasks reach
// criticiseOverdue, or (criticiseMissingReports) any report is missing.

export interface BulletinRules {
  praiseMinScore: number;
  criticiseOverdue: number;
  criticiseMissingReports: boolean;
}

export const DEFAULT_BULLETIN_RULES: BulletinRules = Object.freeze({
  praiseMinScore: 90,
  criticiseOverdue: 1,
  criticiseMissingReports: true,
});

export interface BulletinDepartment {
  department: string;
  tasks: number;
  completed: number;
  onTrack: number;
  atRisk: number;
  overdue: number;
  reportsMissing: number;
  score: number | null;
  rank: number;
}

export interface BulletinSummary {
  tasks: number;
  closed: number;
  closedShare: number;
  onSchedule: number;
  behind: number;
  overdue: number;
  praised: string[];
  criticised: { department: string; overdue: number; reportsMissing: number }[];
}

export function bulletinSummary(
  departments: readonly BulletinDepartment[],
  rules: Partial<BulletinRules> = {},
): BulletinSummary {
  const r = { ...DEFAULT_BULLETIN_RULES, ...rules };
  const sum = (f: (d: BulletinDepartment) => number) => departments.reduce((s, d) => s + f(d), 0);
  const tasks = sum((d) => d.tasks);
  const closed = sum((d) => d.completed);
  return {
    tasks,
    closed,
    closedShare: tasks ? closed / tasks : 0,
    onSchedule: sum((d) => d.onTrack),
    behind: sum((d) => d.atRisk),
    overdue: sum((d) => d.overdue),
    praised: departments
      .filter(
        (d) =>
          d.tasks > 0 && d.score !== null && d.score >= r.praiseMinScore && d.overdue === 0 && d.reportsMissing === 0,
      )
      .map((d) => d.department),
    criticised: departments
      .filter(
        (d) =>
          (r.criticiseOverdue > 0 && d.overdue >= r.criticiseOverdue) ||
          (r.criticiseMissingReports && d.reportsMissing > 0),
      )
      .map((d) => ({ department: d.department, overdue: d.overdue, reportsMissing: d.reportsMissing })),
  };
}
