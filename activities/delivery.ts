/**
 * Delivering notices: the in-app notification, mail (SMTP) and DingTalk/WeCom
 * webhooks, each delivery keyed by the notice. Delivery is at-least-once: a
 * delivery marked SENT is not repeated, but a crash between sending and
 * marking sends again, with the same Message-ID (mail) or idempotency-key
 * (webhook) so the receiver can tell it is the same notice.
 */
import { Context } from '@temporalio/activity';
import type { PrismaClient } from '../prisma/client.ts';
import type { DubanConfig } from '../temporal.config.ts';
import type { NoticeToSend } from '../workflows/types.ts';
import type { Mailer } from './mailer.ts';
import { noticeBody, noticeSubject } from './messages.ts';
import { registerOrder } from './orders.ts';

export function createDelivery({
  prisma,
  config,
  mailer,
  fetch: doFetch,
}: {
  prisma: PrismaClient;
  config: DubanConfig;
  mailer: Mailer | undefined;
  fetch: typeof fetch;
}) {
  /** Who receives a notice: users by role, and department staff of the named departments. */
  async function recipientsOf(n: NoticeToSend) {
    const or: object[] = [];
    if (n.recipients.includes('LEAD_DEPARTMENT') || n.recipients.includes('DEPARTMENT_HEAD')) {
      or.push({ role: 'DEPARTMENT', departmentId: { in: n.departmentIds } });
    }
    if (n.recipients.includes('OFFICE')) or.push({ role: 'OFFICE' });
    if (n.recipients.includes('SUPERVISOR')) or.push({ role: 'SUPERVISOR' });
    if (!or.length) return [];
    return prisma.user.findMany({ where: { active: true, OR: or }, orderBy: { username: 'asc' } });
  }

  /** Tell Temporal this activity is alive (no-op when called outside an activity, e.g. from a script). */
  function heartbeat(): void {
    try {
      Context.current().heartbeat();
    } catch {
      // not running as an activity
    }
  }

  /** Run `send` once per key: a delivery already marked SENT is not repeated on retry. */
  async function deliverOnce(
    key: string,
    channel: string,
    recipient: string,
    noticeId: string,
    send: () => Promise<void>,
  ) {
    heartbeat();
    const existing = await prisma.delivery.findUnique({ where: { key } });
    if (existing?.status === 'SENT') return false;
    await prisma.delivery.upsert({
      where: { key },
      update: { attempts: { increment: 1 } },
      create: { key, channel, recipient, noticeId, attempts: 1 },
    });
    try {
      await send();
    } catch (err) {
      await prisma.delivery.update({ where: { key }, data: { status: 'FAILED', lastError: String(err) } });
      throw err;
    }
    await prisma.delivery.update({ where: { key }, data: { status: 'SENT', sentAt: new Date(), lastError: null } });
    return true;
  }

  async function deliverNotice(n: NoticeToSend) {
    const order = await registerOrder(prisma, n);
    const subject = noticeSubject(n, order);
    const link = config.publicUrl && n.taskId ? `${config.publicUrl}/tasks/${n.taskId}` : undefined;
    const body = noticeBody(n, link, order);
    await prisma.notice.upsert({
      where: { id: n.key },
      update: {},
      create: {
        id: n.key,
        taskId: n.taskId ?? null,
        roundId: n.roundId ?? null,
        kind: n.kind,
        level: n.level,
        fireAt: new Date(n.fireAt),
        sentAt: new Date(),
        status: 'SENT',
        recipients: JSON.stringify(n.recipients),
        reason: n.reason ?? null,
      },
    });
    const users = await recipientsOf(n);
    for (const u of users) {
      await prisma.notification.upsert({
        where: { id: `${n.key}:${u.id}` },
        update: {},
        create: { id: `${n.key}:${u.id}`, userId: u.id, noticeId: n.key, title: subject, body, link: link ?? null },
      });
    }
    let emails = 0;
    if (mailer) {
      for (const u of users.filter((x) => x.email)) {
        const sent = await deliverOnce(`${n.key}:email:${u.email}`, 'EMAIL', u.email!, n.key, () =>
          mailer.send({ to: u.email!, subject, text: body, messageId: `<${encodeURIComponent(n.key)}.${u.id}@duban>` }),
        );
        if (sent) emails++;
      }
    }
    let webhooks = 0;
    if (n.departmentIds.length) {
      const depts = await prisma.department.findMany({
        where: { id: { in: n.departmentIds }, webhook: { not: null } },
      });
      for (const d of depts) {
        const sent = await deliverOnce(`${n.key}:webhook:${d.id}`, 'WEBHOOK', d.webhook!, n.key, async () => {
          // The text-message shape both DingTalk and WeCom group robots accept.
          const res = await doFetch(d.webhook!, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': n.key },
            body: JSON.stringify({ msgtype: 'text', text: { content: `${subject}\n${body}` } }),
          });
          if (!res.ok) throw new Error(`Webhook ${d.name} answered HTTP ${res.status}`);
        });
        if (sent) webhooks++;
      }
    }
    return { notifications: users.length, emails, webhooks };
  }

  return { deliverNotice };
}
