import { randomUUID } from 'node:crypto';
import { FixedClock } from '@sharedcare/common';
import { PasswordHasher } from '../src/providers/password-hasher.js';
import type { Provider } from '../src/providers/provider.entity.js';
import type { Credential, Role } from '../src/providers/provider-vocabulary.js';
import { ProvidersRepository } from '../src/providers/providers.repository.js';
import type { AuthContext } from '../src/access/auth-context.js';
import type { AuthTestApp } from './auth-testing.js';

export const PASSWORD = 'correct horse battery';

/** Hashes are costly (argon2id, production parameters): hash the shared password once per file. */
const hashes = new WeakMap<AuthTestApp, Promise<string>>();

export async function createProvider(
  t: AuthTestApp,
  overrides: Partial<{
    email: string;
    role: Role;
    credential: Credential;
    organisationId: string;
    organisationName: string;
  }> = {},
): Promise<Provider> {
  const providers = t.get(ProvidersRepository);
  if (!hashes.has(t)) hashes.set(t, t.get(PasswordHasher).hash(PASSWORD));
  const organisationId =
    overrides.organisationId ??
    (await providers.findOrCreateOrganisation(overrides.organisationName ?? 'Test Clinic', t.clock.now())).id;
  const id = randomUUID();
  await providers.create({
    id,
    organisationId,
    email: overrides.email ?? `${id.slice(0, 8)}@clinic.test`,
    passwordHash: await hashes.get(t)!,
    displayName: 'Test Provider',
    role: overrides.role ?? 'therapist',
    credential: overrides.credential ?? 'LCSW',
    npi: '1234567893',
    licenseState: 'CA',
    licenseNumber: 'LIC-1',
    createdAt: t.clock.now(),
  });
  return (await providers.findById(id))!;
}

export function contextOf(provider: Provider, sessionId = randomUUID()): AuthContext {
  return {
    providerId: provider.id,
    organisationId: provider.organisationId,
    role: provider.role,
    credential: provider.credential,
    displayName: provider.displayName,
    sessionId,
  };
}

export const meta = { ip: '203.0.113.7', userAgent: 'jest' };

export const minutes = (n: number) => n * 60_000;

export type { FixedClock };
