// domain/: the rules, pure and deterministic, safe to import from Temporal
// workflow code (no Node built-ins, no clock, no randomness); no I/O of any
// kind lives here (that is activities/, services/, api/).

export * from './types';
export * from './calendar';
export * from './escalation';
export * from './health';
export * from './rounds';
export * from './parser/index';
