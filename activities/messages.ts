/** Notice texts, Chinese first and English second (one catalogue, no strings in code paths). */
import { NOTICE_KIND } from '../domain/vocabulary';
import type { NoticeToSend } from '../workflows/types';
import type { RegisteredOrder } from './orders';

export function noticeSubject(n: NoticeToSend, order?: RegisteredOrder | null): string {
  const k = NOTICE_KIND[n.kind];
  const no = order ? `督办单${order.docNumber} ` : '';
  const noEn = order ? `order ${order.docNumber} ` : '';
  return `【督办·${k.zh}】${no}${n.title} / [Duban] ${k.en}: ${noEn}${n.title}`;
}

export function noticeBody(n: NoticeToSend, link?: string, order?: RegisteredOrder | null): string {
  const zh = [
    order ? `督办单编号：${order.docNumber}` : null,
    `事项：${n.title}`,
    n.dueDate ? `完成时限：${n.dueDate}` : null,
    n.level > 0 ? `督办等级：${n.level} 级` : null,
    n.reason ? `事由：${n.reason}` : null,
    kindAdviceZh(n),
    order ? `请于 ${order.replyBy} 前在督办系统中书面答复办理情况。` : null,
    link ? `查看：${link}` : null,
  ];
  const en = [
    order ? `Supervision order: ${order.docNumber}; reply in Duban by ${order.replyBy}.` : null,
    `Task: ${n.title}`,
    n.dueDate ? `Due: ${n.dueDate}` : null,
    n.reportDue ? `Periodic report due: ${n.reportDue}` : null,
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
    case 'LAGGING':
      return '该任务连续两周以上落后于序时进度，现下发督办单，请部门负责人督促加快推进。';
    case 'REPORT_DUE':
      return '本季度进展报告尚未报送，请尽快报送。';
    case 'REPORT_REMINDER':
      return n.reportDue ? `本期进展应于 ${n.reportDue} 前报送，请按时报送。` : '请按时报送本期进展。';
    case 'REPORT_LATE':
      return n.reportDue
        ? `本期进展应于 ${n.reportDue} 前报送，至今未报，请立即报送。`
        : '本期进展逾期未报，请立即报送。';
    case 'INSTRUCTION':
      return '领导对该任务作出批示，请认真研究落实并及时反馈。';
    case 'DISPUTED':
      return '牵头单位对该任务提出退单，请在规定时限内裁定（改派或维持交办）。';
    case 'DISPUTE_DECIDED':
      return '办公室已对退单作出裁定，请查看并尽快签收办理。';
    case 'DISPUTE_OVERDUE':
      return '该任务的退单逾期未裁定，请分管领导督促办公室裁定。';
    case 'PAUSE_ENDED':
      return '该任务挂起期满，已恢复推进，完成时限已按挂起的工作日顺延。';
    case 'REOPENED':
      return '办公室回头看时重新打开了该任务，请按新的完成时限整改落实。';
    default:
      return '请及时办理。';
  }
}
