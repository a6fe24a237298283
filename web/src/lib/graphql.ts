/** The board's one way to talk to the server: queries, mutations with typed errors, uploads, live subscriptions. */

export interface DubanError {
  code: string;
  message: string;
  messageEn: string;
}

/** A GraphQL-level failure (not signed in, forbidden, network). */
export class GqlError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly messageEn?: string,
  ) {
    super(message);
  }
}

/** Called when the server says the session is gone, so the app can show the login page. */
let onUnauthenticated: () => void = () => {};
export function setUnauthenticatedHandler(fn: () => void): void {
  onUnauthenticated = fn;
}

type GqlBody<T> = { data?: T; errors?: { message: string; extensions?: { code?: string; messageEn?: string } }[] };

async function readBody<T>(res: Response): Promise<T> {
  let body: GqlBody<T>;
  try {
    body = (await res.json()) as GqlBody<T>;
  } catch {
    throw new GqlError(`HTTP ${res.status}`, 'HTTP');
  }
  if (body.errors?.length) {
    const first = body.errors[0]!;
    const code = first.extensions?.code;
    if (code === 'UNAUTHENTICATED') onUnauthenticated();
    throw new GqlError(body.errors.map((e) => e.message).join('; '), code, first.extensions?.messageEn);
  }
  if (!body.data) throw new GqlError(`HTTP ${res.status}`, 'HTTP');
  return body.data;
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new GqlError((err as Error).message, 'NETWORK');
  }
  return readBody<T>(res);
}

export type Result<T> = { ok: true; data: T } | { ok: false; error: DubanError };

/** The selection every mutation result union needs. */
export const ERROR_FIELDS = '... on DubanError { code message messageEn }';

function toResult<T>(payload: {
  __typename?: string;
  data?: T;
  code?: string;
  message?: string;
  messageEn?: string;
}): Result<T> {
  if (payload && 'code' in payload && payload.code) {
    return {
      ok: false,
      error: { code: payload.code, message: payload.message ?? '', messageEn: payload.messageEn ?? '' },
    };
  }
  return { ok: true, data: payload.data as T };
}

function asError(err: unknown): DubanError {
  if (err instanceof GqlError)
    return { code: err.code ?? 'ERROR', message: err.message, messageEn: err.messageEn ?? err.message };
  const m = (err as Error)?.message ?? String(err);
  return { code: 'ERROR', message: m, messageEn: m };
}

/**
 * Run a mutation whose single root field returns `DubanError | …Success { data }`.
 * `selection` is the selection set of `data`. Never throws: errors come back as results.
 */
export async function mutate<T>(
  field: string,
  args: string,
  selection: string,
  variables: Record<string, unknown>,
  varDefs: string,
): Promise<Result<T>> {
  const query = `mutation (${varDefs}) { r: ${field}(${args}) { __typename ${ERROR_FIELDS} ... on ${successType(field)} { data ${selection} } } }`;
  try {
    const d = await gql<{ r: never }>(query, variables);
    return toResult<T>(d.r);
  } catch (err) {
    return { ok: false, error: asError(err) };
  }
}

function successType(field: string): string {
  return `Mutation${field[0]!.toUpperCase()}${field.slice(1)}Success`;
}

/** A mutation with file uploads (GraphQL multipart request spec). */
export async function mutateUpload<T>(
  field: string,
  args: string,
  selection: string,
  variables: Record<string, unknown>,
  varDefs: string,
  files: Record<string, File>,
): Promise<Result<T>> {
  const query = `mutation (${varDefs}) { r: ${field}(${args}) { __typename ${ERROR_FIELDS} ... on ${successType(field)} { data ${selection} } } }`;
  const form = new FormData();
  const vars = { ...variables };
  const map: Record<string, string[]> = {};
  Object.keys(files).forEach((name, i) => {
    vars[name] = null;
    map[String(i)] = [`variables.${name}`];
  });
  form.append('operations', JSON.stringify({ query, variables: vars }));
  form.append('map', JSON.stringify(map));
  Object.values(files).forEach((file, i) => form.append(String(i), file, file.name));
  try {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'x-duban-csrf': '1' },
      credentials: 'same-origin',
      body: form,
    });
    const d = await readBody<{ r: never }>(res);
    return toResult<T>(d.r);
  } catch (err) {
    return { ok: false, error: asError(err) };
  }
}

/**
 * A subscription over server-sent events (graphql-yoga). Reconnects on its own
 * (EventSource does); returns a function that closes it.
 */
export function subscribe<T>(query: string, variables: Record<string, unknown>, onData: (data: T) => void): () => void {
  if (typeof EventSource === 'undefined') return () => {};
  const url = `/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify(variables))}`;
  const source = new EventSource(url, { withCredentials: true });
  source.addEventListener('next', (ev) => {
    try {
      const body = JSON.parse((ev as MessageEvent<string>).data) as GqlBody<T>;
      if (body.data) onData(body.data);
    } catch {
      /* ignore malformed events */
    }
  });
  source.addEventListener('complete', () => source.close());
  return () => source.close();
}
