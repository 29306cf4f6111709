export * from './message-vocabulary.js';
export * from './message-bodies.js';
export * from './thread.entity.js';
export * from './message.entity.js';
