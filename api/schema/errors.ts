/** The error types mutations return in their result unions. */
import { builder } from '../builder.ts';
import { DubanError } from '../errors.ts';

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  fields: (t) => ({ message: t.exposeString('message') }),
});

builder.objectType(Error, {
  name: 'BaseError',
  interfaces: [ErrorInterface],
});

builder.objectType(DubanError, {
  name: 'DubanError',
  description: 'A failure the user can act on: a stable code, a Chinese message and an English one.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    code: t.exposeString('code'),
    messageEn: t.exposeString('messageEn'),
  }),
});

/** Mutations list these so failures are typed results, not thrown strings. */
export const ERRORS = { types: [DubanError] };
