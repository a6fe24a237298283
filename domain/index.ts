// Public API of the Duban domain: pure, deterministic code that is safe to
// import from Temporal workflow code (no Node built-ins, no clock, no randomness).

export * from './types';
export * from './calendar';
export * from './escalation';
export * from './health';
export * from './rounds';
export * from './parser/index';
