export * from './medication-list.js';
export * from './measures.js';
export * from './care-record.repository.js';
export * from './client-messages.js';
export * from './care-record.service.js';
export * from './fhir-resources.js';
export * from './fhir-export.service.js';
export * from './care-record.module.js';
