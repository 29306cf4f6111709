export * from './safety-plan-document.js';
export * from './safety-plan-html.js';
export * from './safety-plan-awareness.js';
export * from './safety-plan.entity.js';
export * from './safety-plan.repository.js';
export * from './safety-plan.service.js';
export * from './safety-plan.module.js';
