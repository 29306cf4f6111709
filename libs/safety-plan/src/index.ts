export * from './safety-plan-document.js';
