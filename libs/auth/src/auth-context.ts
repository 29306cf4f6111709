import type { Role } from './roles.js';

/** The verified caller: what a valid access token says, and nothing a client can change. */
export interface AuthContext {
  providerId: string;
  organisationId: string;
  role: Role;
  displayName: string;
  credential: string;
  sessionId: string;
  tokenId: string;
  expiresAt: Date;
}
