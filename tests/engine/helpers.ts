// Shared helpers for engine tests.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

const here = dirname(fileURLToPath(import.meta.url));
export const launcher = join(here, '..', '..', 'engine', 'bin', 'duban-temporal');
export const workflowsPath = join(here, 'workflows.ts');

export async function bundle(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as any,
  });
}

export function uid(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
