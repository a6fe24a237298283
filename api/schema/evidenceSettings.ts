/** The plan settings of 佐证材料 (settings.evidence), as updatePlanSettings takes them. */
import { z } from 'zod';
import { evidenceRulesProblem, EVIDENCE_LIMITS, type EvidenceRules } from '../../domain/evidence.ts';
import { builder } from '../builder.ts';
import { invalidInput } from '../errors.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

export function evidenceSettingsFields(t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) {
  const mb = EVIDENCE_LIMITS.maxFileMB;
  const files = EVIDENCE_LIMITS.maxFiles;
  return {
    evidenceMaxFileMB: t.float({
      required: false,
      validate: z.number().min(0.1, `RANGE:0-${mb}`).max(mb, `RANGE:0-${mb}`),
    }),
    evidenceMaxFiles: t.int({
      required: false,
      validate: z.number().int().min(1, `RANGE:1-${files}`).max(files, `RANGE:1-${files}`),
    }),
    evidenceTypes: t.stringList({
      required: false,
      description: 'Accepted types: pdf, docx, xlsx, png, jpg, gif, webp.',
    }),
    evidenceRequiredForClosure: t.boolean({ required: false }),
  };
}

/** The plan's evidence rules with the given changes, validated; null when nothing is set or given. */
export function mergeEvidenceSettings(
  current: Partial<EvidenceRules> | undefined,
  given: {
    evidenceMaxFileMB?: number | null;
    evidenceMaxFiles?: number | null;
    evidenceTypes?: string[] | null;
    evidenceRequiredForClosure?: boolean | null;
  },
): Partial<EvidenceRules> | null {
  const next: Partial<EvidenceRules> = { ...(current ?? {}) };
  if (given.evidenceMaxFileMB != null) next.maxFileMB = given.evidenceMaxFileMB;
  if (given.evidenceMaxFiles != null) next.maxFiles = given.evidenceMaxFiles;
  if (given.evidenceTypes != null)
    next.types = [...new Set(given.evidenceTypes.map((s) => s.trim().toLowerCase()))] as EvidenceRules['types'];
  if (given.evidenceRequiredForClosure != null) next.requiredForClosure = given.evidenceRequiredForClosure;
  const problem = evidenceRulesProblem(next);
  if (problem) throw invalidInput(`${problem.zh}。`, `${problem.en}.`);
  return Object.keys(next).length ? next : null;
}
