/** The evidence rules of a task's plan (its settings JSON over the defaults in domain/evidence.ts). */
import { evidenceRules, type EvidenceRules } from '../../../domain/evidence';

export function planEvidenceRules(settings: string | null | undefined): EvidenceRules {
  try {
    return evidenceRules((JSON.parse(settings || '{}') as { evidence?: Partial<EvidenceRules> }).evidence);
  } catch {
    return evidenceRules();
  }
}
