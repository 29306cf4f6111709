export * from './directory-provider.entity.js';
export * from './directory.repository.js';
export * from './directory.service.js';
export * from './directory-sync.js';
export * from './directory.module.js';
