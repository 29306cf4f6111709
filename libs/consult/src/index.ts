export * from './message-vocabulary.js';
export * from './message-bodies.js';
