import { DomainException } from '@sharedcare/common';
import { assertAuditDetails } from './audit-details.js';

function refusal(details: unknown): DomainException {
  try {
    assertAuditDetails(details);
  } catch (error) {
    if (error instanceof DomainException) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('audit details guard (no clinical text in the audit trail)', () => {
  it('accepts ids, codes, integers, booleans, null and lists of ids', () => {
    expect(() =>
      assertAuditDetails({
        threadId: '5e2f1d3c-4b5a-4697-8877-665544332211',
        reason: 'consent_required',
        count: 3,
        emergency: true,
        previous: null,
        recipientIds: ['a1', 'b2'],
      }),
    ).not.toThrow();
    expect(() => assertAuditDetails({})).not.toThrow();
  });

  it.each([
    ['a sentence', { note: 'Client reported suicidal ideation' }],
    ['a single word with punctuation', { note: 'anxious!' }],
    ['text hidden in a list', { ids: ['a1', 'feels hopeless'] }],
    ['a string over 128 characters', { id: 'a'.repeat(129) }],
    ['a nested object', { message: { body: 'x' } }],
    ['a fraction', { score: 0.5 }],
    ['an unsafe integer', { big: 2 ** 60 }],
    ['a list over 50 entries', { ids: Array.from({ length: 51 }, (_, i) => `id${i}`) }],
    ['a key that is not a name', { 'free text': 'x' }],
    ['a __proto__ key', JSON.parse('{"__proto__": "x"}')],
    ['more than 20 keys', Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i]))],
  ])('refuses %s as invalid, without echoing the value', (_what, details) => {
    const error = refusal(details);
    expect(error.code).toBe('invalid');
    expect(error.message).not.toMatch(/suicidal|hopeless|anxious/);
  });

  it.each([
    ['an array', ['a']],
    ['a string', 'text'],
    ['null', null],
    ['a class instance', new Date()],
  ])('refuses %s instead of an object', (_what, details) => {
    expect(refusal(details).code).toBe('invalid');
  });
});
