// Unit tests of the visibility query subset (no server needed).
import { describe, expect, it } from 'vitest';
import { compileQuery } from '../../engine/src/visibility';
import { Exec, type ExecState } from '../../engine/src/history';

function sa(type: string, v: unknown) {
  return {
    metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from(type) },
    data: Buffer.from(JSON.stringify(v)),
  };
}
function exec(p: Partial<ExecState>): Exec {
  return new Exec({
    ns: 'default',
    workflowId: 'w',
    runId: 'r',
    workflowType: 'T',
    taskQueue: 'q',
    status: 1,
    startTime: Date.parse('2026-01-02T00:00:00Z'),
    executionTime: 0,
    closeTime: 0,
    ...p,
  } as ExecState);
}

const types = new Map([['Stage', 'Keyword']]);
const a = exec({
  workflowId: 'task-1',
  searchAttributes: {
    Stage: sa('Keyword', 'review'),
    Count: sa('Int', 5),
    Due: sa('Datetime', '2026-03-01T00:00:00Z'),
  },
});
const b = exec({
  workflowId: 'task-2',
  status: 2,
  closeTime: Date.parse('2026-01-03T00:00:00Z'),
  searchAttributes: { Stage: sa('Keyword', 'done'), Tags: sa('KeywordList', ['x', 'y']) },
});
const match = (q: string) => [a, b].filter(compileQuery(q, types)).map((e) => e.s.workflowId);

describe('visibility query', () => {
  it('supports comparisons, IN, BETWEEN, STARTS_WITH, IS NULL and boolean logic', () => {
    expect(match(`Stage = 'review'`)).toEqual(['task-1']);
    expect(match(`Stage != 'review'`)).toEqual(['task-2']);
    expect(match(`Count >= 5 AND Count < 6`)).toEqual(['task-1']);
    expect(match(`ExecutionStatus = 'Completed' OR (Stage = 'review' AND WorkflowType = 'T')`)).toEqual([
      'task-1',
      'task-2',
    ]);
    expect(match(`WorkflowId IN ('task-2', 'nope')`)).toEqual(['task-2']);
    expect(match(`WorkflowId NOT IN ('task-2')`)).toEqual(['task-1']);
    expect(match(`Due BETWEEN '2026-02-01T00:00:00Z' AND '2026-04-01T00:00:00Z'`)).toEqual(['task-1']);
    expect(match(`WorkflowId STARTS_WITH 'task-'`)).toEqual(['task-1', 'task-2']);
    expect(match(`CloseTime IS NULL`)).toEqual(['task-1']);
    expect(match(`CloseTime IS NOT NULL AND CloseTime > '2026-01-02T12:00:00Z'`)).toEqual(['task-2']);
    expect(match(`Tags = 'y'`)).toEqual(['task-2']);
    expect(match(`StartTime < "2027-01-01T00:00:00Z"`)).toEqual(['task-1', 'task-2']);
    expect(match('')).toEqual(['task-1', 'task-2']);
  });

  it('orders results with ORDER BY', () => {
    const p = compileQuery(`WorkflowId STARTS_WITH 'task' ORDER BY WorkflowId DESC`, types);
    expect(
      [a, b]
        .filter(p)
        .sort(p.order)
        .map((e) => e.s.workflowId),
    ).toEqual(['task-2', 'task-1']);
    const q = compileQuery(`ORDER BY Count ASC`, types);
    expect([b, a].sort(q.order).map((e) => e.s.workflowId)).toEqual(['task-1', 'task-2']);
  });

  it('rejects unsupported syntax with a clear message', () => {
    expect(() => compileQuery(`WorkflowId LIKE 'x%'`, types)).toThrow(/not supported/);
    expect(() => compileQuery(`WorkflowId = 'x' GROUP BY ExecutionStatus`, types)).toThrow(/GROUP BY is not supported/);
    expect(() => compileQuery(`(WorkflowId = 'x'`, types)).toThrow(/parenthesis/);
    expect(() => compileQuery(`ExecutionStatus = 'Sleeping'`, types)).toThrow(/unknown ExecutionStatus/);
    expect(() => compileQuery(`StartTime > 'yesterday'`, types)).toThrow(/not a valid datetime/);
  });
});
