import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { FixedClock } from '@sharedcare/common';
import { ClientKeyring } from '@sharedcare/crypto';
import { connectOutcome, startTestGateway, type TestGateway } from '../../../../test/support/gateway-app.js';
import { editPlan, joinPlan, planItem } from '../../../../test/support/safety-plan.js';

type Json = Record<string, unknown>;

/** A string nothing else in the database could contain by chance. */
const marker = (label: string) => `${label}${randomBytes(12).toString('hex')}`;

/**
 * Every way a marker could sit in a dump without being encrypted: as written, in another case, as
 * hex, or base64 (standard or url-safe) at each of the three byte alignments it could start at.
 */
function encodings(text: string): string[] {
  const forms = [text.toLowerCase(), Buffer.from(text).toString('hex')];
  for (let offset = 0; offset < 3; offset++) {
    for (const alphabet of ['base64', 'base64url'] as const) {
      const encoded = Buffer.concat([Buffer.alloc(offset), Buffer.from(text)]).toString(alphabet);
      // Drop the groups the padding bytes and the end touch: what is left is the marker's alone.
      forms.push(encoded.slice(offset === 0 ? 0 : 4, -4).toLowerCase());
    }
  }
  return forms;
}

describe('encryption at rest: a database dump names no client', () => {
  const clock = new FixedClock(new Date('2026-01-05T09:00:00Z'));
  let gateway: TestGateway;
  const organisation = randomUUID();
  const ids = { therapist: randomUUID(), psychiatrist: randomUUID(), outsider: randomUUID() };
  const PROFILES = {
    therapist: { role: 'therapist', name: 'Dana Reyes', cred: 'LCSW' },
    psychiatrist: { role: 'psychiatrist', name: 'Sam Okafor', cred: 'MD' },
    outsider: { role: 'therapist', name: 'Kim Novak', cred: 'LPC' },
  };
  type Who = keyof typeof ids;

  const dateOfBirth = `19${String(randomInt(10, 100))}-${String(randomInt(1, 13)).padStart(2, '0')}-${String(
    randomInt(1, 29),
  ).padStart(2, '0')}`;
  const markers = {
    displayName: marker('Name'),
    dateOfBirth,
    externalId: marker('MRN-'),
    signerName: marker('Signer'),
    notes: marker('Notes'),
    revocationReason: marker('Revoked'),
    emergencyReason: marker('Emergency'),
    planText: marker('PlanText'),
    planName: marker('PlanName'),
    versionLabel: marker('Reviewed'),
  };
  let clientId: string;
  let consentId: string;
  let grantId: string;

  async function call(who: Who, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const { role, name, cred } = PROFILES[who];
    const token = await gateway.issuer.mint({
      nowSeconds: Math.floor(clock.now().getTime() / 1000),
      claims: { sub: ids[who], org: organisation, role, name, cred },
    });
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function must(status: number, reply: Promise<{ status: number; body: Json }>): Promise<Json> {
    const { status: got, body } = await reply;
    if (got !== status) throw new Error(`setup call answered ${got}, not ${status}: ${JSON.stringify(body)}`);
    return body;
  }

  /** Every row of every table of the public schema, as Postgres prints it (jsonb and arrays included). */
  async function dump(): Promise<Map<string, string[]>> {
    const tables = (await gateway.db.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    )) as { table_name: string }[];
    const rows = new Map<string, string[]>();
    for (const { table_name: table } of tables) {
      const result = (await gateway.db.dataSource.query(`SELECT t::text AS row FROM "${table}" t`)) as {
        row: string;
      }[];
      rows.set(
        table,
        result.map((r) => r.row),
      );
    }
    return rows;
  }

  /** The therapist writes the markers into the client's safety plan, over the live socket. */
  async function editSafetyPlan(): Promise<void> {
    const { role, name, cred } = PROFILES.therapist;
    const token = await gateway.issuer.mint({
      nowSeconds: Math.floor(clock.now().getTime() / 1000),
      claims: { sub: ids.therapist, org: organisation, role, name, cred },
    });
    const socket = gateway.socket({ auth: { token } });
    expect(await connectOutcome(socket)).toEqual({ connected: true });
    const editor = await joinPlan(socket, clientId);
    const answer = await editPlan(editor, (sections) => {
      sections.get('warning_signs')!.push([planItem({ text: markers.planText })]);
      sections.get('support_contacts')!.push([planItem({ text: 'Friend', name: markers.planName, phone: '555-0199' })]);
    });
    expect(answer).toMatchObject({ ok: true });
    socket.disconnect();
  }

  beforeAll(async () => {
    gateway = await startTestGateway({ clock });
    for (const who of Object.keys(ids) as Who[]) await must(200, call(who, 'GET', '/api/me'));
    const client = await must(
      201,
      call('therapist', 'POST', '/api/clients', {
        displayName: markers.displayName,
        dateOfBirth: markers.dateOfBirth,
        externalId: markers.externalId,
      }),
    );
    clientId = String(client.clientId);
    const consent = await must(
      201,
      call('therapist', 'POST', `/api/clients/${clientId}/consents`, {
        recipientIds: [ids.psychiatrist],
        categories: ['general', 'substance_use'],
        purpose: 'treatment',
        expiresAt: new Date(clock.now().getTime() + 90 * 86_400_000).toISOString(),
        attestation: { method: 'guardian', signerName: markers.signerName },
        notes: markers.notes,
      }),
    );
    consentId = String(consent.consentId);
    // Reads and a refusal, so the audit trail holds every kind of record about the client.
    await must(200, call('psychiatrist', 'GET', `/api/clients/${clientId}`));
    await must(200, call('psychiatrist', 'GET', `/api/clients/${clientId}/consents`));
    await must(404, call('outsider', 'GET', `/api/clients/${clientId}`));
    const grant = await must(
      201,
      call('outsider', 'POST', `/api/clients/${clientId}/emergency-access`, { reason: markers.emergencyReason }),
    );
    grantId = String(grant.grantId);
    await must(
      200,
      call('therapist', 'POST', `/api/consents/${consentId}/revoke`, { reason: markers.revocationReason }),
    );
    await editSafetyPlan();
    // A named version holds the whole plan again, and a label of its own.
    await must(
      201,
      call('therapist', 'POST', `/api/clients/${clientId}/safety-plan/named-versions`, { label: markers.versionLabel }),
    );
    await must(200, call('therapist', 'GET', '/api/clients'));
    await must(200, call('therapist', 'GET', `/api/clients/${clientId}/access-report`));
    await must(200, call('therapist', 'GET', `/api/clients/${clientId}/notices`));
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('reads every field back through the API', async () => {
    expect(await call('therapist', 'GET', `/api/clients/${clientId}`)).toMatchObject({
      status: 200,
      body: { displayName: markers.displayName, dateOfBirth: markers.dateOfBirth, externalId: markers.externalId },
    });
    const consents = await call('therapist', 'GET', `/api/clients/${clientId}/consents`);
    expect(consents).toMatchObject({
      status: 200,
      body: {
        consents: [
          {
            consentId,
            attestation: { signerName: markers.signerName },
            notes: markers.notes,
            revocationReason: markers.revocationReason,
          },
        ],
      },
    });
  });

  it('reads the safety plan back through the API', async () => {
    const plan = await call('therapist', 'GET', `/api/clients/${clientId}/safety-plan`);
    expect(plan.status).toBe(200);
    const sections = plan.body.sections as { items: unknown[] }[];
    expect(sections[0].items).toEqual([{ text: markers.planText }]);
    expect(sections[3].items).toEqual([{ text: 'Friend', name: markers.planName, phone: '555-0199' }]);
    const versions = await call('therapist', 'GET', `/api/clients/${clientId}/safety-plan/named-versions`);
    const [version] = versions.body.versions as Json[];
    expect(version).toMatchObject({ label: markers.versionLabel, seq: 1 });
    const named = await call('therapist', 'GET', `/api/clients/${clientId}/safety-plan/named-versions/${version.id}`);
    expect(named.body.sections).toEqual(sections);
  });

  it('keeps the emergency reason, which only the client’s key opens', async () => {
    // No route answers the reason; it is stored for the record, sealed like the rest.
    const [grant] = (await gateway.db.dataSource.query(
      `SELECT reason_sealed FROM emergency_access_grants WHERE id = $1`,
      [grantId],
    )) as { reason_sealed: string }[];
    const keyring = gateway.app.get(ClientKeyring);
    expect(
      await keyring.decryptTextForClient(clientId, grant.reason_sealed, `emergency_access.reason:${grantId}`),
    ).toBe(markers.emergencyReason);
  });

  it('would find a marker stored in the clear, in another case, as hex or as base64', () => {
    const value = marker('Probe');
    const stored = [value.toUpperCase(), Buffer.from(value).toString('hex')];
    for (const prefix of ['', 'x', 'xy', 'xyz']) {
      stored.push(Buffer.from(prefix + value + prefix).toString('base64'));
      stored.push(Buffer.from(prefix + value).toString('base64url'));
    }
    for (const form of stored) {
      expect({ form, found: encodings(value).some((search) => form.toLowerCase().includes(search)) }).toEqual({
        form,
        found: true,
      });
    }
  });

  it('dumps every table of the public schema without any marker in any encoding', async () => {
    const tables = await dump();
    // The dump covers what holds the client: a check that read nothing would pass on anything.
    for (const table of [
      'clients',
      'care_team_members',
      'consents',
      'emergency_access_grants',
      'client_notices',
      'client_data_keys',
      'audit_records',
      'directory_providers',
      'safety_plan_updates',
      'safety_plan_versions',
    ]) {
      expect({ table, rows: (tables.get(table) ?? []).length > 0 }).toEqual({ table, rows: true });
    }
    const text = [...tables.values()].flat().join('\n').toLowerCase();
    // Plain where it should be: the directory's provider names are not clinical.
    expect(text).toContain('kim novak');
    expect(text).toContain(clientId);
    expect(text).toContain(consentId);
    const found = Object.entries(markers).flatMap(([field, value]) =>
      encodings(value)
        .filter((form) => text.includes(form))
        .map((form) => ({ field, form })),
    );
    expect(found).toEqual([]);
    // A date of birth is also findable without its dashes.
    expect(text).not.toContain(markers.dateOfBirth.replaceAll('-', ''));
  });

  it('writes no marker into the audit trail, which does record the client', async () => {
    const records = (await gateway.db.dataSource.query(
      `SELECT r::text AS row, r.action FROM audit_records r WHERE r.client_id = $1 ORDER BY r.sequence`,
      [clientId],
    )) as { row: string; action: string }[];
    expect(records.map((record) => record.action)).toEqual(
      expect.arrayContaining([
        'client.create',
        'consent.grant',
        'client.read',
        'consent.read',
        'access.refused',
        'emergency_access.open',
        'consent.revoke',
      ]),
    );
    const all = (await gateway.db.dataSource.query(`SELECT r::text AS row FROM audit_records r`)) as { row: string }[];
    const text = all.map((record) => record.row.toLowerCase()).join('\n');
    for (const [field, value] of Object.entries(markers)) {
      expect({ field, found: encodings(value).filter((form) => text.includes(form)) }).toEqual({ field, found: [] });
    }
  });

  it('seals the same text differently each time, so equal names do not show as equal', async () => {
    const twin = async () =>
      String(
        (
          await must(
            201,
            call('therapist', 'POST', '/api/clients', { displayName: markers.displayName, dateOfBirth: '1990-01-01' }),
          )
        ).clientId,
      );
    const [first, second] = [await twin(), await twin()];
    const rows = (await gateway.db.dataSource.query(
      `SELECT id, display_name_sealed, date_of_birth_sealed FROM clients WHERE id = ANY($1::uuid[])`,
      [[first, second]],
    )) as { display_name_sealed: string; date_of_birth_sealed: string }[];
    expect(rows).toHaveLength(2);
    expect(rows[0].display_name_sealed).not.toBe(rows[1].display_name_sealed);
    expect(rows[0].date_of_birth_sealed).not.toBe(rows[1].date_of_birth_sealed);
  });
});
