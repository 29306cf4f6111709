import {
  canonicalAuditRecord,
  canonicalJson,
  GENESIS_HASH,
  hashAuditRecord,
  type AuditHashInput,
} from './audit-hash.js';

function sample(): AuditHashInput {
  return {
    id: '6f1c2a52-3c1d-4d6e-9a51-2b0f1c7d8e90',
    sequence: 7,
    occurredAt: new Date('2026-01-05T09:00:00.123Z'),
    actorId: '0b7e9f0e-7a43-4c1b-9d51-3b8a5d2c1e11',
    actorRole: 'therapist',
    organisationId: 'c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f',
    action: 'client.read',
    resourceType: 'client',
    resourceId: '5e2f1d3c-4b5a-4697-8877-665544332211',
    clientId: '5e2f1d3c-4b5a-4697-8877-665544332211',
    category: 'mental_health',
    outcome: 'success',
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0',
    details: { threadId: 'a1b2c3', count: 2, emergency: false, ids: ['x1', 'x2'] },
    prevHash: GENESIS_HASH,
  };
}

describe('audit record hash', () => {
  it('is a SHA-256 in hex', () => {
    expect(hashAuditRecord(sample())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for the same content, whatever order the details keys were written in', () => {
    const reordered = { ...sample(), details: { ids: ['x1', 'x2'], emergency: false, count: 2, threadId: 'a1b2c3' } };
    expect(hashAuditRecord(reordered)).toBe(hashAuditRecord(sample()));
    expect(hashAuditRecord({ ...sample(), occurredAt: new Date(sample().occurredAt.getTime()) })).toBe(
      hashAuditRecord(sample()),
    );
  });

  const changes: [string, Partial<AuditHashInput>][] = [
    ['id', { id: '6f1c2a52-3c1d-4d6e-9a51-2b0f1c7d8e91' }],
    ['sequence', { sequence: 8 }],
    ['occurredAt', { occurredAt: new Date('2026-01-05T09:00:00.124Z') }],
    ['actorId', { actorId: '0b7e9f0e-7a43-4c1b-9d51-3b8a5d2c1e12' }],
    ['actorRole', { actorRole: 'admin' }],
    ['organisationId', { organisationId: 'c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e40' }],
    ['action', { action: 'client.update' }],
    ['resourceType', { resourceType: 'thread' }],
    ['resourceId', { resourceId: 'other' }],
    ['clientId', { clientId: null }],
    ['category', { category: 'substance_use' }],
    ['outcome', { outcome: 'refused' }],
    ['ip', { ip: '203.0.113.8' }],
    ['userAgent', { userAgent: null }],
    ['details (a value)', { details: { threadId: 'a1b2c3', count: 3, emergency: false, ids: ['x1', 'x2'] } }],
    ['details (a key)', { details: { threadId: 'a1b2c3', count: 2, emergency: false, ids: ['x1', 'x2'], more: true } }],
    ['details (list order)', { details: { threadId: 'a1b2c3', count: 2, emergency: false, ids: ['x2', 'x1'] } }],
    ['prevHash', { prevHash: 'f'.repeat(64) }],
  ];

  it.each(changes)('changes when %s changes', (_field, change) => {
    expect(hashAuditRecord({ ...sample(), ...change })).not.toBe(hashAuditRecord(sample()));
  });

  it('cannot be fooled by moving characters between neighbouring fields', () => {
    const a = { ...sample(), resourceType: 'client', resourceId: 'ab' };
    const b = { ...sample(), resourceType: 'clienta', resourceId: 'b' };
    expect(canonicalAuditRecord(a)).not.toBe(canonicalAuditRecord(b));
    expect(hashAuditRecord(a)).not.toBe(hashAuditRecord(b));
  });

  it('tells null apart from the string "null" and a number from its digits', () => {
    expect(hashAuditRecord({ ...sample(), category: null })).not.toBe(
      hashAuditRecord({ ...sample(), category: 'null' }),
    );
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });

  it('sorts object keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"e":2,"f":1}]},"b":1}',
    );
  });
});
