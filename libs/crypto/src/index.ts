export * from './aes-gcm.js';
export * from './client-data-key.entity.js';
export * from './client-data-key.repository.js';
export * from './master-keys.js';
export * from './client-keyring.js';
export * from './client-keyring.module.js';
export * from './master-key-rotation.js';
