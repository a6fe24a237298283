/** Notice texts, Chinese first and English second (one catalogue, no strings in code paths). */
import type { NoticeToSend } from '../workflows/types';

const KIND_ZH: Record<NoticeToSend['kind'], string> = {
  ACK_REMINDER: '签收提醒',
  WARNING: '到期预警',
  LEVEL1: '催办',
  LEVEL2: '督办单',
  LEVEL3: '约谈/通报',
  MANUAL: '人工督办',
  REPORT_DUE: '季度进展报告催报',
  INSTRUCTION: '领导批示',
};
const KIND_EN: Record<NoticeToSend['kind'], string> = {
  ACK_REMINDER: 'Acknowledgement reminder',
  WARNING: 'Deadline warning',
  LEVEL1: 'Reminder (level 1)',
  LEVEL2: 'Formal supervision notice (level 2)',
  LEVEL3: 'Summons / bulletin (level 3)',
  MANUAL: 'Escalation by the office',
  REPORT_DUE: 'Quarterly report overdue',
  INSTRUCTION: 'Instruction from a leader',
};

export function noticeSubject(n: NoticeToSend): string {
  return `【督办·${KIND_ZH[n.kind]}】${n.title} / [Duban] ${KIND_EN[n.kind]}: ${n.title}`;
}

export function noticeBody(n: NoticeToSend, link?: string): string {
  const zh = [
    `事项：${n.title}`,
    n.dueDate ? `完成时限：${n.dueDate}` : null,
    n.level > 0 ? `督办等级：${n.level} 级` : null,
    n.reason ? `事由：${n.reason}` : null,
    kindAdviceZh(n),
    link ? `查看：${link}` : null,
  ];
  const en = [
    `Task: ${n.title}`,
    n.dueDate ? `Due: ${n.dueDate}` : null,
    n.level > 0 ? `Escalation level: ${n.level}` : null,
    n.reason ? `Reason: ${n.reason}` : null,
  ];
  return [...zh, '', '—', ...en].filter((l) => l !== null).join('\n');
}

function kindAdviceZh(n: NoticeToSend): string {
  switch (n.kind) {
    case 'ACK_REMINDER':
      return '该任务已交办，请尽快签收。';
    case 'WARNING':
      return '该任务即将到期，请抓紧推进并及时反馈进展。';
    case 'LEVEL1':
      return '该任务已超过完成时限，请立即办理并反馈。';
    case 'LEVEL2':
      return '该任务逾期未办结，现下发督办单，请部门负责人督促落实。';
    case 'LEVEL3':
      return '该任务严重逾期，请分管领导约谈或通报。';
    case 'REPORT_DUE':
      return '本季度进展报告尚未报送，请尽快报送。';
    case 'INSTRUCTION':
      return '领导对该任务作出批示，请认真研究落实并及时反馈。';
    default:
      return '请及时办理。';
  }
}
