/**
 * The words of the printed documents (api/documents.ts). Official documents
 * are Chinese only; each entry says in English what it is for.
 */
import type { BulletinSummary } from '../domain/bulletin.ts';

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** '2026-12-02' → '2026年12月2日' (the date line of an official document). */
function date(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

export const DOC = {
  date,
  /** Issuer when neither the plan's settings nor the plan name one. */
  defaultIssuer: '督查工作办公室',
  leadDepartment: '牵头单位',
  none: '无',
  /** 督办通知书 */
  orderTitle: '督办通知书',
  orderFacts: (f: {
    plan: string;
    task: string;
    dueDate: string | null;
    issuedOn: string;
    daysOverdue: number;
    progress: number;
    lastReport: string | null;
  }) =>
    [
      `《${f.plan}》确定由你单位牵头落实的“${f.task}”任务`,
      f.dueDate ? `，完成时限为${date(f.dueDate)}` : '',
      f.daysOverdue > 0 ? `，截至${date(f.issuedOn)}已逾期${f.daysOverdue}天` : `，截至${date(f.issuedOn)}`,
      `，当前进度为${f.progress}%`,
      f.lastReport ? `，最近一次报送进展为${date(f.lastReport)}。` : '，至今未报送进展情况。',
    ].join(''),
  orderReason: (reason: string) => `督办事由：${reason}`,
  orderAsk: (kind: string) =>
    kind === 'LAGGING'
      ? '该任务连续落后于序时进度，现予督办。请你单位主要负责同志亲自研究，采取有力措施加快推进。'
      : kind === 'LEVEL3'
        ? '该任务严重逾期，现予督办，并将视情约谈、通报。请你单位主要负责同志亲自研究，限期完成。'
        : '现予督办。请你单位主要负责同志亲自研究，采取有力措施，确保按要求完成。',
  orderReply: (replyBy: string) =>
    `请于${date(replyBy)}前在督办系统中书面答复办理情况（已采取的措施、存在的问题、下一步计划和完成时间）。`,
  orderAnswered: (reply: string) => `答复情况：${reply}`,
  /** 交办通知单 */
  assignmentTitle: '交办通知单',
  assignmentBody: (plan: string) => `根据《${plan}》，现将以下任务交由你单位牵头落实，请认真研究，抓好落实。`,
  assignmentAsk: '请收到后在督办系统中及时签收，按时间节点推进，按要求报送进展情况；需要延期的，须在时限前提出申请。',
  field: {
    plan: '所属方案',
    section: '所属部分',
    task: '任务名称',
    text: '任务内容',
    lead: '牵头单位',
    coop: '配合单位',
    due: '完成时限',
    milestones: '时间节点',
    assignedOn: '交办日期',
  },
  /** 督查通报 */
  bulletinTitle: (plan: string, year: number, quarter: number) => `关于${plan}${year}年第${quarter}季度推进情况的通报`,
  bulletinNumber: (year: number, quarter: number) => `${year}年第${quarter}期`,
  heading: {
    overall: '一、总体情况',
    departments: '二、各单位推进情况',
    lagging: '三、滞后事项',
    praise: '四、表扬',
    criticism: '五、批评',
  },
  bulletinOverall: (s: BulletinSummary) =>
    `本季度纳入督查的任务共${s.tasks}项，已办结${s.closed}项，办结率${pct(s.closedShare)}；正常推进${s.onSchedule}项，进度滞后${s.behind}项，逾期未完成${s.overdue}项。`,
  bulletinColumns: ['排名', '单位', '牵头任务', '已办结', '正常推进', '进度滞后', '逾期', '未报进展', '得分'],
  laggingItem: (title: string, light: string, progress: number, dueDate: string | null) =>
    `“${title}”（${light}，进度${progress}%${dueDate ? `，时限${date(dueDate)}` : ''}）`,
  noLagging: '本季度无滞后事项。',
  praise: (names: string[]) => `${names.join('、')}推进有力、按时报送，予以表扬。`,
  noPraise: '本季度无符合表扬条件的单位。',
  criticismItem: (name: string, overdue: number, missing: number) =>
    `${name}（${[overdue ? `逾期${overdue}项` : '', missing ? `未报进展${missing}次` : ''].filter(Boolean).join('，')}）`,
  criticism: (items: string[]) => `${items.join('、')}工作推进不力，予以批评，请认真整改。`,
  noCriticism: '本季度无需批评的单位。',
  bulletinSheet: '督查通报',
  laggingSheet: '滞后事项',
  laggingColumns: ['单位', '任务', '红黄绿灯', '进度', '完成时限'],
} as const;
