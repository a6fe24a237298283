/**
 * One vocabulary: every code the workflows, the domain types and the read model
 * can produce has a Chinese and an English label in domain/vocabulary.ts. The
 * codes are read from the sources themselves, so a new event kind, notice kind,
 * status or recurrence without a label fails here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VOCABULARY, label, lookup, taskLight, type VocabularyName } from '../../domain/vocabulary.ts';

const root = path.resolve(__dirname, '..', '..');
const read = (p: string) => fs.readFileSync(path.join(root, p), 'utf8');

/** Every 'UPPER_CASE' literal in the expression after `kind:` / `kind =` (e.g. `kind: isLead ? 'REPORTED' : 'CONTRIBUTED'`). */
function kindLiterals(source: string): Set<string> {
  const out = new Set<string>();
  for (const m of source.matchAll(/\bkind\s*(?::|=(?!=))\s*([^,;\n})]+)/g)) {
    for (const lit of m[1]!.matchAll(/'([A-Z][A-Z0-9_]*)'/g)) out.add(lit[1]!);
  }
  return out;
}

/** The members of a string-literal union type: `export type Name = 'A' | 'B'`. */
function unionMembers(source: string, name: string): string[] {
  const m = new RegExp(`export type ${name}\\s*=\\s*([^;]+);`).exec(source);
  if (!m) throw new Error(`type ${name} not found`);
  return [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!);
}

/** The codes a prisma column comment lists: `status String @default("PENDING") // PENDING | SENT | CANCELLED`. */
function commentCodes(schema: string, model: string, field: string): string[] {
  const body = new RegExp(`model ${model} \\{([\\s\\S]*?)\\n\\}`).exec(schema)?.[1];
  if (!body) throw new Error(`model ${model} not found`);
  const line = body.split('\n').find((l) => new RegExp(`^\\s*${field}\\s`).test(l));
  const comment = line?.split('//')[1];
  if (!comment) throw new Error(`${model}.${field} lists no codes`);
  return comment.split('|').map((s) => s.trim());
}

function expectLabelled(name: VocabularyName, codes: Iterable<string>) {
  const missing = [...codes].filter((c) => !lookup(name, c));
  expect(missing, `${name} has no label for`).toEqual([]);
}

const workflowSources = [
  'workflows/reformTask.ts',
  'workflows/taskCommands.ts',
  'workflows/taskResponsibility.ts',
  'workflows/planSupervision.ts',
]
  .map(read)
  .join('\n');
const domainTypes = read('domain/types.ts');
const workflowTypes = read('workflows/types.ts');
const schema = read('prisma/schema.prisma');

describe('vocabulary', () => {
  it('labels every table entry in Chinese and English', () => {
    for (const [name, table] of Object.entries(VOCABULARY)) {
      for (const [code, l] of Object.entries(table as Record<string, { zh: string; en: string }>)) {
        expect(l.zh, `${name}.${code}.zh`).toMatch(/[\u4e00-\u9fff]/);
        expect(l.zh, `${name}.${code}.zh is the code itself`).not.toBe(code);
        expect(l.en.trim(), `${name}.${code}.en`).not.toBe('');
        expect(l.en, `${name}.${code}.en has Chinese`).not.toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });

  it('labels every event and notice kind the workflows write', () => {
    const kinds = kindLiterals(workflowSources);
    // The scan finds what the brief names (and anything added later).
    for (const k of ['ASSIGNED', 'ACKNOWLEDGED', 'REPORTED', 'CLOSED', 'INSTRUCTION', 'MILESTONE_NOTICE', 'HEALTH'])
      expect(kinds).toContain(k);
    const unlabelled = [...kinds].filter(
      (k) => !lookup('EVENT_KIND', k) && !lookup('NOTICE_KIND', k) && !lookup('REPORT_KIND', k),
    );
    expect(unlabelled, 'kinds without a label').toEqual([]);
    expectLabelled('EVENT_KIND', [
      'ASSIGNED',
      'REASSIGNED',
      'ACKNOWLEDGED',
      'REPORTED',
      'CONTRIBUTED',
      'EXTENSION_REQUESTED',
      'EXTENSION_APPROVED',
      'EXTENSION_REJECTED',
      'CLOSURE_REQUESTED',
      'CLOSURE_RETURNED',
      'CLOSED',
      'CANCELLED',
      'INSTRUCTION',
      'ESCALATED',
      'NOTICE',
      'MILESTONE_NOTICE',
      'HEALTH',
      'CREATED',
    ]);
  });

  it('labels every notice kind, recipient, status, light, role and recurrence of the domain types', () => {
    expectLabelled('NOTICE_KIND', unionMembers(domainTypes, 'NoticeKind'));
    const toSend = /kind:\s*NoticeKind\s*\|([^;]+);/.exec(workflowTypes)?.[1] ?? '';
    expectLabelled(
      'NOTICE_KIND',
      [...toSend.matchAll(/'([A-Z_0-9]+)'/g)].map((m) => m[1]!),
    );
    expectLabelled('RECIPIENT', unionMembers(domainTypes, 'NoticeRecipient'));
    expectLabelled('TASK_STATUS', unionMembers(domainTypes, 'TaskStatus'));
    expectLabelled('HEALTH', unionMembers(domainTypes, 'Health'));
    expectLabelled('HEALTH', ['BLUE', 'UNASSIGNED', 'NO_DEADLINE', 'NONE']);
    expectLabelled('ROLE', unionMembers(domainTypes, 'Role'));
    expectLabelled('RECURRENCE', unionMembers(domainTypes, 'Recurrence'));
  });

  it('labels every status the read model stores', () => {
    expectLabelled('NOTICE_STATUS', commentCodes(schema, 'Notice', 'status'));
    expectLabelled('NOTICE_STATUS', commentCodes(schema, 'Delivery', 'status'));
    expectLabelled('NOTICE_KIND', commentCodes(schema, 'Notice', 'kind'));
    expectLabelled('REQUEST_STATUS', commentCodes(schema, 'ExtensionRequest', 'status'));
    expectLabelled('REQUEST_STATUS', commentCodes(schema, 'ClosureReview', 'status'));
    expectLabelled('ROUND_STATUS', commentCodes(schema, 'SupervisionRound', 'status'));
    expectLabelled('RECURRENCE', commentCodes(schema, 'Task', 'recurrence'));
  });

  it('never shows a raw code, and finds codes in either case', () => {
    expect(label('NOTICE_STATUS', 'SENT')).toBe('已发出');
    expect(label('RECURRENCE', 'quarterly')).toBe('每季度');
    expect(label('RECURRENCE', 'QUARTERLY', 'en')).toBe('Quarterly');
    expect(label('EVENT_KIND', 'MILESTONE_NOTICE')).toBe('时间节点督办通知');
    expect(label('EVENT_KIND', 'SOMETHING_NEW')).toBe('其他');
    expect(label('EVENT_KIND', null, 'en')).toBe('Other');
  });

  it('gives tasks without a lead or a deadline their own state, never green', () => {
    const lead = { id: 'd1' };
    expect(taskLight({ status: 'DRAFT', health: null, dueDate: '2026-12-31', leadDepartment: lead })).toBe(
      'UNASSIGNED',
    );
    expect(taskLight({ status: 'ASSIGNED', health: 'GREEN', dueDate: null, leadDepartment: null })).toBe('UNASSIGNED');
    expect(taskLight({ status: 'IN_PROGRESS', health: 'GREEN', dueDate: null, leadDepartment: lead })).toBe(
      'NO_DEADLINE',
    );
    expect(taskLight({ status: 'IN_PROGRESS', health: 'NONE', dueDate: null, leadDepartment: lead })).toBe(
      'NO_DEADLINE',
    );
    expect(taskLight({ status: 'IN_PROGRESS', health: 'YELLOW', dueDate: '2026-12-31', leadDepartment: lead })).toBe(
      'YELLOW',
    );
    expect(taskLight({ status: 'IN_PROGRESS', health: 'BLUE', dueDate: '2026-12-31', leadDepartment: lead })).toBe(
      'BLUE',
    );
    expect(taskLight({ status: 'CLOSED', health: null, dueDate: '2026-12-31', leadDepartment: lead })).toBe('NONE');
  });
});
