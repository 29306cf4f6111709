import { type AccessFacts, type AccessRule, ACCESS_RULES, accessBasis } from './access-policy.js';

const none: AccessFacts = {
  sameOrganisation: true,
  callerActive: true,
  onCareTeam: false,
  consentCategories: [],
  emergencyUntil: null,
  participant: false,
  shredded: false,
};
const perCategory: AccessRule = { ...ACCESS_RULES['client.read'], consent: 'category', emergency: true };

describe('accessBasis', () => {
  it('grants the care team, then consent, then emergency access, in that order of reasons', () => {
    const rule = ACCESS_RULES['client.read'];
    expect(accessBasis(rule, 'therapist', { ...none, onCareTeam: true, consentCategories: ['general'] })).toBe(
      'care_team',
    );
    expect(accessBasis(rule, 'psychiatrist', { ...none, consentCategories: ['general'] })).toBe('consent');
    expect(accessBasis(rule, 'psychiatrist', { ...none, emergencyUntil: new Date() })).toBe('emergency');
    expect(accessBasis(rule, 'psychiatrist', none)).toBeNull();
  });

  it('never crosses organisations, and refuses a disabled caller whatever else holds', () => {
    const everything = { ...none, onCareTeam: true, consentCategories: ['general'], emergencyUntil: new Date() };
    expect(
      accessBasis(ACCESS_RULES['client.read'], 'therapist', { ...everything, sameOrganisation: false }),
    ).toBeNull();
    expect(accessBasis(ACCESS_RULES['client.read'], 'admin', { ...everything, sameOrganisation: false })).toBeNull();
    expect(accessBasis(ACCESS_RULES['client.read'], 'therapist', { ...everything, callerActive: false })).toBeNull();
  });

  it('refuses everything of a crypto-shredded client but its access report, to the care team and admins alike', () => {
    const everything = { ...none, onCareTeam: true, consentCategories: ['general'], emergencyUntil: new Date() };
    const shredded = { ...everything, participant: true, shredded: true };
    for (const [permission, rule] of Object.entries(ACCESS_RULES)) {
      const granted = permission === 'client.access_report' ? 'care_team' : null;
      expect([permission, accessBasis(rule, 'therapist', shredded, 'general')]).toEqual([permission, granted]);
      expect([permission, accessBasis(rule, 'therapist', { ...shredded, shredded: false }, 'general')]).not.toEqual([
        permission,
        null,
      ]);
    }
    expect(accessBasis(ACCESS_RULES['client.access_report'], 'admin', { ...none, shredded: true })).toBe('admin');
    // A consent cannot be revoked once the client is shredded, so it no longer opens the report.
    const consented = { ...none, consentCategories: ['general'], shredded: true };
    expect(accessBasis(ACCESS_RULES['client.access_report'], 'psychiatrist', consented)).toBeNull();
    expect(accessBasis(ACCESS_RULES['client.access_report'], 'psychiatrist', { ...consented, shredded: false })).toBe(
      'consent',
    );
    expect(accessBasis(ACCESS_RULES['client.read'], 'admin', { ...none, shredded: true })).toBeNull();
  });

  it('gives an admin identifying details, consents and the access report, and nothing a clinician writes', () => {
    expect(accessBasis(ACCESS_RULES['client.read'], 'admin', none)).toBe('admin');
    expect(accessBasis(ACCESS_RULES['client.access_report'], 'admin', none)).toBe('admin');
    expect(accessBasis(ACCESS_RULES['consent.grant'], 'admin', { ...none, onCareTeam: true })).toBeNull();
    expect(accessBasis(ACCESS_RULES['emergency_access.open'], 'admin', none)).toBeNull();
    expect(accessBasis(perCategory, 'admin', none, 'symptoms')).toBe('admin');
    expect(accessBasis({ ...perCategory, admin: false }, 'admin', none, 'symptoms')).toBeNull();
  });

  it('keeps consent and emergency access read-only: only the care team records or revokes consent', () => {
    const recipient = { ...none, consentCategories: ['general', 'medications'], emergencyUntil: new Date() };
    expect(accessBasis(ACCESS_RULES['consent.grant'], 'psychiatrist', recipient)).toBeNull();
    expect(accessBasis(ACCESS_RULES['consent.revoke'], 'psychiatrist', recipient)).toBeNull();
    expect(accessBasis(ACCESS_RULES['consent.revoke'], 'therapist', { ...none, onCareTeam: true })).toBe('care_team');
  });

  it('lets any clinician of the organisation break the glass, and no one outside it', () => {
    const rule = ACCESS_RULES['emergency_access.open'];
    expect(accessBasis(rule, 'care_manager', none)).toBe('organisation');
    expect(accessBasis(rule, 'care_manager', { ...none, sameOrganisation: false })).toBeNull();
  });

  it('on a thread, counts the care team and consent only for its participants; emergency access reads any', () => {
    const rule = ACCESS_RULES['thread.read'];
    const recipient = { ...none, consentCategories: ['general'] };
    expect(accessBasis(rule, 'psychiatrist', recipient)).toBeNull();
    expect(accessBasis(rule, 'psychiatrist', { ...recipient, participant: true })).toBe('consent');
    expect(accessBasis(rule, 'therapist', { ...none, onCareTeam: true })).toBeNull();
    expect(accessBasis(rule, 'therapist', { ...none, emergencyUntil: new Date() })).toBe('emergency');
    expect(
      accessBasis(
        ACCESS_RULES['message.send'],
        'therapist',
        { ...none, emergencyUntil: new Date(), participant: true },
        'general',
      ),
    ).toBeNull();
  });

  it('shares a category only when a consent names it; substance use is never implied by another', () => {
    const recipient = { ...none, consentCategories: ['general', 'symptoms', 'medications'] };
    expect(accessBasis(perCategory, 'psychiatrist', recipient, 'medications')).toBe('consent');
    expect(accessBasis(perCategory, 'psychiatrist', recipient, 'substance_use')).toBeNull();
    expect(
      accessBasis(perCategory, 'psychiatrist', { ...none, consentCategories: ['substance_use'] }, 'substance_use'),
    ).toBe('consent');
    expect(accessBasis(perCategory, 'psychiatrist', recipient)).toBeNull();
    expect(accessBasis(perCategory, 'therapist', { ...none, onCareTeam: true }, 'substance_use')).toBe('care_team');
  });

  it('derives the medication list and measures for the care team, emergency access and a consent naming the category', () => {
    for (const [permission, category] of [
      ['client.medications', 'medications'],
      ['client.measures', 'symptoms'],
    ] as const) {
      const rule = ACCESS_RULES[permission];
      expect(accessBasis(rule, 'psychiatrist', { ...none, consentCategories: [category] }, category)).toBe('consent');
      expect(accessBasis(rule, 'psychiatrist', { ...none, consentCategories: ['general'] }, category)).toBeNull();
      expect(accessBasis(rule, 'therapist', { ...none, onCareTeam: true }, category)).toBe('care_team');
      expect(accessBasis(rule, 'care_manager', { ...none, emergencyUntil: new Date() }, category)).toBe('emergency');
      expect(accessBasis(rule, 'admin', { ...none, onCareTeam: true }, category)).toBeNull();
    }
  });
});
