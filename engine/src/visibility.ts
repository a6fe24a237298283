// Visibility query subset (Temporal's SQL-like List Filter), compiled to a
// predicate over in-memory executions. Supported: WorkflowId, WorkflowType,
// RunId, TaskQueue, ExecutionStatus, StartTime, CloseTime, ExecutionTime and
// custom search attributes (Keyword, Text, Int, Double, Bool, Datetime,
// KeywordList) with = != < <= > >= IN, NOT IN, BETWEEN, STARTS_WITH,
// IS [NOT] NULL, AND, OR, parentheses and ORDER BY. Anything else is rejected with
// INVALID_ARGUMENT naming the construct, rather than silently matching.
import { invalid } from './grpc.js';
import type { Exec } from './history.js';

export type SaTypes = Map<string, string>;
export type Pred = ((e: Exec) => boolean) & { order?: (a: Exec, b: Exec) => number };

const STATUS: Record<string, number> = {
  running: 1,
  completed: 2,
  failed: 3,
  canceled: 4,
  terminated: 5,
  continuedasnew: 6,
  timedout: 7,
};

interface Tok {
  t: 'id' | 'str' | 'num' | 'op' | 'lp' | 'rp' | 'comma' | 'kw';
  v: string;
}

function lex(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(') {
      out.push({ t: 'lp', v: c });
      i++;
    } else if (c === ')') {
      out.push({ t: 'rp', v: c });
      i++;
    } else if (c === ',') {
      out.push({ t: 'comma', v: c });
      i++;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let s = '';
      while (j < q.length && q[j] !== c) {
        if (q[j] === '\\' && j + 1 < q.length) j++;
        s += q[j++];
      }
      if (j >= q.length) throw invalid(`visibility query: unterminated string starting at ${i}`);
      out.push({ t: 'str', v: s });
      i = j + 1;
    } else if (c === '`') {
      const j = q.indexOf('`', i + 1);
      if (j < 0) throw invalid('visibility query: unterminated backtick identifier');
      out.push({ t: 'id', v: q.slice(i + 1, j) });
      i = j + 1;
    } else if (/[<>=!]/.test(c)) {
      const two = q.slice(i, i + 2);
      if (['<=', '>=', '!=', '<>'].includes(two)) {
        out.push({ t: 'op', v: two === '<>' ? '!=' : two });
        i += 2;
      } else {
        out.push({ t: 'op', v: c });
        i++;
      }
    } else if (/[-0-9.]/.test(c)) {
      let j = i + 1;
      while (j < q.length && /[0-9.eE]/.test(q[j])) j++;
      out.push({ t: 'num', v: q.slice(i, j) });
      i = j;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < q.length && /[A-Za-z0-9_.]/.test(q[j])) j++;
      const w = q.slice(i, j);
      const up = w.toUpperCase();
      if (
        [
          'AND',
          'OR',
          'IN',
          'NOT',
          'BETWEEN',
          'IS',
          'NULL',
          'ORDER',
          'BY',
          'STARTS_WITH',
          'LIKE',
          'GROUP',
          'TRUE',
          'FALSE',
        ].includes(up)
      )
        out.push({ t: 'kw', v: up });
      else out.push({ t: 'id', v: w });
      i = j;
    } else {
      throw invalid(`visibility query: unexpected character '${c}' at ${i}`);
    }
  }
  return out;
}

/** Reads a search attribute payload as a JS value (the SDK encodes them as JSON). */
function saValue(p: any): any {
  if (!p?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(p.data).toString());
  } catch {
    return Buffer.from(p.data).toString();
  }
}
function saTypeOf(p: any): string | undefined {
  const t = p?.metadata?.type;
  return t ? Buffer.from(t).toString() : undefined;
}

type Field = { kind: 'str' | 'num' | 'time' | 'bool' | 'list' | 'status'; get: (e: Exec) => any };

function field(name: string, sa: SaTypes): Field {
  switch (name) {
    case 'WorkflowId':
      return { kind: 'str', get: (e) => e.s.workflowId };
    case 'WorkflowType':
      return { kind: 'str', get: (e) => e.s.workflowType };
    case 'RunId':
      return { kind: 'str', get: (e) => e.s.runId };
    case 'TaskQueue':
      return { kind: 'str', get: (e) => e.s.taskQueue };
    case 'ExecutionStatus':
      return { kind: 'status', get: (e) => e.s.status };
    case 'StartTime':
      return { kind: 'time', get: (e) => e.s.startTime };
    case 'CloseTime':
      return { kind: 'time', get: (e) => (e.s.closeTime ? e.s.closeTime : undefined) };
    case 'ExecutionTime':
      return { kind: 'time', get: (e) => e.s.executionTime };
  }
  const declared = sa.get(name);
  const kindOf = (t: string | undefined): Field['kind'] =>
    t === 'Int' || t === 'Double'
      ? 'num'
      : t === 'Datetime'
        ? 'time'
        : t === 'Bool'
          ? 'bool'
          : t === 'KeywordList'
            ? 'list'
            : 'str';
  let kind = declared ? kindOf(declared) : undefined;
  return {
    get kind() {
      return kind ?? 'str';
    },
    get: (e) => {
      const p = e.s.searchAttributes?.[name];
      if (!p) return undefined;
      if (!kind) kind = kindOf(saTypeOf(p));
      const v = saValue(p);
      const k = kind ?? kindOf(saTypeOf(p));
      if (k === 'time') return Array.isArray(v) ? Date.parse(v[0]) : Date.parse(v);
      if (k === 'list') return Array.isArray(v) ? v : [v];
      // Single-valued attributes may be encoded as one-element arrays.
      return Array.isArray(v) && v.length === 1 ? v[0] : v;
    },
  } as Field;
}

function literal(tok: Tok | undefined, f: Field, name: string): any {
  if (!tok || !['str', 'num', 'kw'].includes(tok.t)) throw invalid(`visibility query: expected a value after ${name}`);
  if (tok.t === 'kw' && (tok.v === 'TRUE' || tok.v === 'FALSE')) return tok.v === 'TRUE';
  if (tok.t === 'kw') throw invalid(`visibility query: unexpected keyword ${tok.v} after ${name}`);
  switch (f.kind) {
    case 'status': {
      const s = STATUS[tok.v.toLowerCase().replace(/[_\s]/g, '')];
      if (!s) throw invalid(`visibility query: unknown ExecutionStatus '${tok.v}'`);
      return s;
    }
    case 'time': {
      const t = tok.t === 'num' ? Number(tok.v) : Date.parse(tok.v);
      if (Number.isNaN(t)) throw invalid(`visibility query: '${tok.v}' is not a valid datetime for ${name}`);
      return t;
    }
    case 'num':
      if (Number.isNaN(Number(tok.v))) throw invalid(`visibility query: '${tok.v}' is not a number for ${name}`);
      return Number(tok.v);
    case 'bool':
      return tok.v === 'true' || tok.v === 'TRUE';
    default:
      return tok.t === 'num' && f.kind !== 'str' ? Number(tok.v) : tok.v;
  }
}

/**
 * A literal whose conversion follows the field's kind at evaluation time: the
 * type of an unregistered search attribute is only known from stored values.
 */
function lit(tok: Tok | undefined, f: Field, name: string): () => any {
  const first = literal(tok, f, name); // validates now for known fields
  const cache = new Map<string, any>([[f.kind, first]]);
  return () => {
    const k = f.kind;
    if (!cache.has(k)) cache.set(k, literal(tok, f, name));
    return cache.get(k);
  };
}

function cmp(op: string, a: any, b: any): boolean {
  if (a === undefined || a === null) return op === '!=';
  if (Array.isArray(a)) {
    // KeywordList: '=' means "contains".
    if (op === '=') return a.includes(b);
    if (op === '!=') return !a.includes(b);
    return false;
  }
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
  return false;
}

export function compileQuery(q: string, sa: SaTypes): Pred {
  const toks = lex(q);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const isKw = (v: string) => peek()?.t === 'kw' && peek()!.v === v;

  function primary(): Pred {
    const t = next();
    if (!t) throw invalid('visibility query: unexpected end of query');
    if (t.t === 'lp') {
      const p = or();
      if (next()?.t !== 'rp') throw invalid('visibility query: missing closing parenthesis');
      return p;
    }
    if (t.t !== 'id') throw invalid(`visibility query: expected a field name, got '${t.v}'`);
    const name = t.v;
    const f = field(name, sa);
    const o = next();
    if (!o) throw invalid(`visibility query: missing operator after ${name}`);
    if (o.t === 'op') {
      if (o.v === '=' || o.v === '!=' || o.v === '<' || o.v === '<=' || o.v === '>' || o.v === '>=') {
        const l = lit(next(), f, name);
        return (e) => {
          const v = f.get(e);
          return cmp(o.v, v, l());
        };
      }
    }
    if (o.t === 'kw') {
      if (o.v === 'IN' || (o.v === 'NOT' && isKw('IN'))) {
        const negate = o.v === 'NOT';
        if (negate) next();
        if (next()?.t !== 'lp') throw invalid(`visibility query: IN needs a parenthesised list after ${name}`);
        const lits: (() => any)[] = [];
        for (;;) {
          lits.push(lit(next(), f, name));
          const sep = next();
          if (sep?.t === 'rp') break;
          if (sep?.t !== 'comma') throw invalid('visibility query: malformed IN list');
        }
        return (e) => {
          const v = f.get(e);
          const vals = lits.map((l) => l());
          const hit = Array.isArray(v) ? v.some((x) => vals.includes(x)) : vals.includes(v);
          return negate ? !hit : hit;
        };
      }
      if (o.v === 'BETWEEN') {
        const lo = lit(next(), f, name);
        if (next()?.v !== 'AND') throw invalid('visibility query: BETWEEN needs AND');
        const hi = lit(next(), f, name);
        return (e) => {
          const v = f.get(e);
          return v !== undefined && v >= lo() && v <= hi();
        };
      }
      if (o.v === 'STARTS_WITH') {
        const prefix = literal(next(), f, name);
        return (e) => {
          const v = f.get(e);
          return typeof v === 'string' && v.startsWith(String(prefix));
        };
      }
      if (o.v === 'IS') {
        const neg = isKw('NOT');
        if (neg) next();
        if (next()?.v !== 'NULL') throw invalid('visibility query: expected NULL after IS');
        return (e) => {
          const v = f.get(e);
          const isNull = v === undefined || v === null;
          return neg ? !isNull : isNull;
        };
      }
    }
    throw invalid(
      `visibility query: operator '${o.v}' is not supported (supported: = != < <= > >= IN, NOT IN, BETWEEN, STARTS_WITH, IS [NOT] NULL)`,
    );
  }
  function and(): Pred {
    let p = primary();
    while (isKw('AND')) {
      next();
      const a = p;
      const b = primary();
      p = (e) => a(e) && b(e);
    }
    return p;
  }
  function or(): Pred {
    let p = and();
    while (isKw('OR')) {
      next();
      const a = p;
      const b = and();
      p = (e) => a(e) || b(e);
    }
    return p;
  }

  function orderBy(): ((a: Exec, b: Exec) => number) | undefined {
    if (!isKw('ORDER')) return undefined;
    next();
    if (next()?.v !== 'BY') throw invalid('visibility query: expected BY after ORDER');
    const keys: { f: Field; dir: number }[] = [];
    for (;;) {
      const t = next();
      if (t?.t !== 'id') throw invalid('visibility query: ORDER BY needs a field name');
      let dir = 1;
      const d = peek();
      if (d?.t === 'id' && /^(asc|desc)$/i.test(d.v)) {
        dir = /^desc$/i.test(d.v) ? -1 : 1;
        next();
      }
      keys.push({ f: field(t.v, sa), dir });
      if (peek()?.t !== 'comma') break;
      next();
    }
    return (a, b) => {
      for (const k of keys) {
        const x = k.f.get(a);
        const y = k.f.get(b);
        if (x === y) continue;
        // Missing values sort last, as in Temporal's SQL visibility.
        if (x === undefined || x === null) return 1;
        if (y === undefined || y === null) return -1;
        return (x < y ? -1 : 1) * k.dir;
      }
      return 0;
    };
  }

  if (!toks.length) return () => true;
  const p: Pred & { order?: (a: Exec, b: Exec) => number } = isKw('ORDER') ? () => true : or();
  const order = orderBy();
  if (order) p.order = order;
  if (i < toks.length) {
    const t = toks[i];
    if (t.t === 'kw' && t.v === 'GROUP') throw invalid('visibility query: GROUP BY is not supported');
    throw invalid(`visibility query: unexpected '${t.v}'`);
  }
  return p;
}
