// Schema and datamodel walking for tests/api/authz-schema.test.ts: the read table of api/README.md,
// the path from each Prisma model to its task, generated selections, and tracing a response to its tasks.
import fs from 'node:fs';
import path from 'node:path';
import {
  getNamedType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLObjectType,
} from 'graphql';
import { getDatamodel } from '../../generated/pothos-types.ts';
import { schema } from '../../api/schema/index.ts';
import type { PrismaClient } from '../../prisma/client.ts';

export const README = fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'api', 'README.md'), 'utf8');

export function between(text: string, name: string): string {
  const m = new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(text);
  if (!m) throw new Error(`api/README.md lacks the ${name} block`);
  return m[1]!;
}

export type ReadRule = 'TASK' | 'OWN' | 'SIGNED_IN' | 'ADMIN' | 'OFFICE' | 'PUBLIC' | 'READER';
/** The read table of api/README.md: GraphQL type (or export path) → rule. */
export const READ_RULES: Map<string, ReadRule> = new Map(
  between(README, 'read-table')
    .split('\n')
    .slice(2)
    .map((line) => line.split('|').map((c) => c.trim()))
    .map((cells) => [cells[1]!.replace('&lt;', '<').replace('&gt;', '>'), cells[2] as ReadRule]),
);

// ─── the Prisma datamodel: which models hold task data, and how to reach the task ───

interface DmmfField {
  name: string;
  type: string;
  kind: string;
  relationFromFields?: string[];
}
const MODELS = getDatamodel().datamodel.models as unknown as Record<string, { fields: DmmfField[] }>;

/** The relation path (through foreign keys) from a model to its Task, or null when it holds no task data. */
export function taskPath(model: string, seen: string[] = []): string[] | null {
  if (model === 'Task') return [];
  if (seen.includes(model) || seen.length > 3) return null;
  for (const f of MODELS[model]?.fields ?? []) {
    if (f.kind !== 'object' || !f.relationFromFields?.length) continue;
    const rest = taskPath(f.type, [...seen, model]);
    if (rest) return [f.name, ...rest];
  }
  return null;
}

/** The task id a row of `model` belongs to (following taskPath), or null. */
async function ownerOf(prisma: PrismaClient, model: string, id: string): Promise<string | null> {
  const p = taskPath(model)!;
  if (p.length === 0) return id;
  const select = p.reduceRight<Record<string, unknown>>((inner, rel) => ({ [rel]: { select: inner } }), { id: true });
  const delegate = (prisma as any)[model[0]!.toLowerCase() + model.slice(1)];
  let row = await delegate.findUnique({ where: { id }, select });
  for (const rel of p) row = row?.[rel];
  return row?.id ?? null;
}

export const prismaModelOf = (t: GraphQLObjectType): string | undefined =>
  (t.extensions as { pothosPrismaModel?: string } | undefined)?.pothosPrismaModel;

// ─── the schema: reachable types, generated selections, covered edges ───

export const roots = [schema.getQueryType()!, schema.getSubscriptionType()!];
/** Object levels below the root field (the server refuses queries nested deeper than 12). */
const MAX_DEPTH = 11;

export function possibleTypes(t: ReturnType<typeof getNamedType>): GraphQLObjectType[] {
  if (isObjectType(t)) return [t];
  if (isInterfaceType(t) || isUnionType(t)) return [...schema.getPossibleTypes(t)];
  return [];
}

/** Every object type a Query or Subscription can return, however deep. */
export function reachableTypes(): Set<string> {
  const seen = new Set<string>();
  const visit = (t: GraphQLObjectType) => {
    if (seen.has(t.name)) return;
    seen.add(t.name);
    for (const f of Object.values(t.getFields())) for (const p of possibleTypes(getNamedType(f.type))) visit(p);
  };
  for (const root of roots)
    for (const f of Object.values(root.getFields())) possibleTypes(getNamedType(f.type)).forEach(visit);
  return seen;
}

export const coveredEdges = new Set<string>();
export const unreachableArgs: string[] = [];

/** A selection of every field of `type`, nested objects down to MAX_DEPTH, no type twice on a path. */
function selectionOf(type: GraphQLObjectType, onPath: string[]): string {
  const parts = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) {
      unreachableArgs.push(`${type.name}.${field.name}`);
      continue;
    }
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      parts.push(field.name);
      continue;
    }
    const inner: string[] = [];
    for (const p of possibleTypes(named)) {
      if (onPath.includes(p.name) || onPath.length >= MAX_DEPTH) continue;
      const sel = selectionOf(p, [...onPath, p.name]);
      inner.push(isObjectType(named) ? sel : `... on ${p.name} { ${sel} }`);
    }
    if (inner.length) {
      coveredEdges.add(`${type.name}.${field.name}`);
      parts.push(`${field.name} { ${inner.join(' ')} }`);
    }
  }
  return parts.join(' ');
}

export function rootSelection(root: GraphQLObjectType, field: GraphQLField<unknown, unknown>): string {
  const named = getNamedType(field.type);
  if (isLeafType(named)) return '';
  coveredEdges.add(`${root.name}.${field.name}`);
  if (isObjectType(named)) return `{ ${selectionOf(named, [named.name])} }`;
  const inner = possibleTypes(named).map((p) => `... on ${p.name} { ${selectionOf(p, [p.name, 'fragment'])} }`);
  return `{ __typename ${inner.join(' ')} }`;
}

// ─── walking a response ───

/** TASK-rule types that only hold other rows (their counts are checked apart). */
const CONTAINERS = new Set(['Dashboard', 'DepartmentSummary', 'QueryTasksConnection', 'QueryTasksConnectionEdge']);

export interface Seen {
  /** `Type:id` of every TASK-rule object, with the task it belongs to. */
  task: Map<string, string>;
  /** For each of them, the tasks above it on each path it was reached by (an invisible one hides it). */
  via: Map<string, string[][]>;
  /** Notification ids. */
  own: Set<string>;
}

export async function collect(
  prisma: PrismaClient,
  data: unknown,
  type: GraphQLObjectType,
  rootTask: string | null,
): Promise<Seen> {
  const seen: Seen = { task: new Map(), via: new Map(), own: new Set() };
  const pending: Promise<void>[] = [];
  const note = (key: string, owner: string, above: string[]) => {
    seen.task.set(key, owner);
    seen.via.set(key, [...(seen.via.get(key) ?? []), above]);
  };
  const walk = (value: any, t: GraphQLObjectType, owner: string | null, above: string[], where: string): void => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, t, owner, above, `${where}[${i}]`));
      return;
    }
    const concrete = value.__typename ? (schema.getType(value.__typename) as GraphQLObjectType) : t;
    const rule = READ_RULES.get(concrete.name);
    const model = prismaModelOf(concrete);
    let here = owner;
    let path = above;
    if (rule === 'TASK' && !CONTAINERS.has(concrete.name)) {
      if (concrete.name === 'Task') {
        here = value.taskId as string;
        note(`Task:${here}`, here, above);
        path = [...above, here];
      } else if (model && value.id) {
        const key = `${concrete.name}:${value.id}`;
        pending.push(ownerOf(prisma, model, value.id).then((o) => note(key, o ?? `?${where}`, above)));
      } else {
        // No id of its own (PlannedNotice): it belongs to the task above it, or the one the call is about.
        note(`${concrete.name}:${here}:${JSON.stringify(value)}`, here ?? `?${where}`, above);
      }
    }
    if (rule === 'OWN' && value.id) seen.own.add(value.id);
    for (const [k, v] of Object.entries(value)) {
      const f = concrete.getFields()[k];
      if (!f) continue;
      const named = getNamedType(f.type);
      if (isLeafType(named)) continue;
      walk(v, (isObjectType(named) ? named : possibleTypes(named)[0])!, here, path, `${where}.${k}`);
    }
  };
  walk(data, type, rootTask, [], '');
  await Promise.all(pending);
  return seen;
}
