/** Typed errors: every failure a user can cause has a code, a Chinese message and an English one. */
import { format, MESSAGES, type ErrorCode } from './messages.ts';

export class DubanError extends Error {
  readonly code: ErrorCode;
  readonly messageEn: string;
  /**
   * `detail` fills the code's template; with `whole`, it is the whole message
   * (the access rule's refusals are complete sentences already).
   */
  constructor(
    code: ErrorCode,
    params: Record<string, string | number> = {},
    detail?: { zh?: string; en?: string; whole?: boolean },
  ) {
    const m = MESSAGES[code];
    const whole = detail?.whole === true;
    const zh = whole && detail?.zh ? detail.zh : format(m.zh, { ...params, detail: detail?.zh ?? params.detail ?? '' });
    super(zh);
    this.name = 'DubanError';
    this.code = code;
    this.messageEn =
      whole && detail?.en ? detail.en : format(m.en, { ...params, detail: detail?.en ?? params.detail ?? '' });
  }
}

export const forbidden = () => new DubanError('FORBIDDEN');
export const unauthenticated = () => new DubanError('UNAUTHENTICATED');
export const notFound = (whatZh: string, whatEn: string) =>
  Object.assign(new DubanError('NOT_FOUND', { what: whatZh }), {
    messageEn: format(MESSAGES.NOT_FOUND.en, { what: whatEn }),
  });
export const invalidInput = (zh: string, en: string) => new DubanError('INVALID_INPUT', {}, { zh, en });
export const invalidState = (zh: string, en: string) => new DubanError('INVALID_STATE', {}, { zh, en });
