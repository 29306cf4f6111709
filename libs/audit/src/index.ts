export * from './audit-record.entity.js';
export * from './audit-hash.js';
export * from './audit-details.js';
export * from './audit.repository.js';
export * from './audit.service.js';
export * from './audit.module.js';
export * from './caller-entry.js';
