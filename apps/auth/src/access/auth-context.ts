import type { Credential, Role } from '../providers/provider-vocabulary.js';

/** The verified caller of a protected route, from its access token. */
export interface AuthContext {
  providerId: string;
  organisationId: string;
  role: Role;
  credential: Credential;
  displayName: string;
  sessionId: string;
}
