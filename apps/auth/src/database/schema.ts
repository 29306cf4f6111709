import { AuthInitialSchema1767603600000 } from './migrations/1767603600000-auth-initial-schema.js';
import { OutboxSessionIds1767700000000 } from './migrations/1767700000000-outbox-session-ids.js';
import { AuthAuditEvent } from '../audit/auth-audit-event.entity.js';
import { OutboxEvent } from '../events/outbox-event.entity.js';
import { Invite } from '../invites/invite.entity.js';
import { LoginLockout } from '../login/login-lockout.entity.js';
import { MfaChallenge } from '../mfa/mfa-challenge.entity.js';
import { Organisation } from '../providers/organisation.entity.js';
import { Provider } from '../providers/provider.entity.js';
import { RefreshToken } from '../sessions/refresh-token.entity.js';
import { SessionFamily } from '../sessions/session-family.entity.js';
import { SigningKey } from '../tokens/signing-key.entity.js';

/** The auth service's own database: its entities and the migrations that build them. */
export const authEntities = [
  Organisation,
  Provider,
  Invite,
  LoginLockout,
  SessionFamily,
  RefreshToken,
  MfaChallenge,
  SigningKey,
  AuthAuditEvent,
  OutboxEvent,
];

/** Append-only, in order; never `synchronize`. */
export const authMigrations = [AuthInitialSchema1767603600000, OutboxSessionIds1767700000000];
