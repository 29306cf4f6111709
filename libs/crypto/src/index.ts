export * from './aes-gcm.js';
