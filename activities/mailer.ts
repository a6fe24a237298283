/** Outgoing mail through SMTP (nodemailer). Unconfigured → no mail; in-app notifications still arrive. */
import nodemailer, { type Transporter } from 'nodemailer';

export interface Mailer {
  send(msg: { to: string; subject: string; text: string; messageId: string }): Promise<void>;
  close(): void;
}

export function createMailer(smtpUrl: string | undefined, from: string): Mailer | undefined {
  if (!smtpUrl) return undefined;
  const transport: Transporter = nodemailer.createTransport(smtpUrl);
  return {
    async send({ to, subject, text, messageId }) {
      // The Message-ID is the notice's idempotency key: a resend after a crash is recognisable as the same mail.
      await transport.sendMail({ from, to, subject, text, messageId });
    },
    close: () => transport.close(),
  };
}
