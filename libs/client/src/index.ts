/**
 * The typed client of SharedCare's public contract: REST (apiClient, authClient) and the live
 * `/consult` events (connectConsult, request). Browser-safe: the web app and the end-to-end
 * tests both use it.
 */
export * from '@sharedcare/contract';
export * from './api-client.js';
export * from './consult-socket.js';
