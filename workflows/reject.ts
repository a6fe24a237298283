/** Refusing a command from a workflow validator. */
import { ApplicationFailure } from '@temporalio/workflow';
import type { RejectionCode } from './types';

/** Refuse a command: the code is the contract, the details carry the Chinese text users read first. */
export function reject(code: RejectionCode, en: string, zh: string = en): never {
  throw ApplicationFailure.create({ type: code, message: en, details: [{ zh }], nonRetryable: true });
}
