/**
 * The vocabulary of the public contract (DESIGN.md, Interfaces), with no dependencies: the
 * services validate against it and the web client offers its choices.
 */
export * from './consent-vocabulary.js';
export * from './error-vocabulary.js';
export * from './message-vocabulary.js';
export * from './session-vocabulary.js';
export * from './wire.js';
export * from './record-wire.js';
