import { passwordProblem } from './password-policy.js';

describe('passwordProblem', () => {
  it('accepts 12 to 128 characters', () => {
    expect(passwordProblem('x'.repeat(12))).toBeUndefined();
    expect(passwordProblem('x'.repeat(128))).toBeUndefined();
    expect(passwordProblem('SharedCare-demo-1')).toBeUndefined();
  });

  it('refuses 11 and 129 characters', () => {
    expect(passwordProblem('x'.repeat(11))).toMatch(/at least 12/);
    expect(passwordProblem('x'.repeat(129))).toMatch(/at most 128/);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(passwordProblem('🔒'.repeat(12))).toBeUndefined(); // 24 UTF-16 units, 12 characters
    expect(passwordProblem('🔒'.repeat(11))).toMatch(/at least 12/);
  });

  it('refuses a blank password and the email address itself', () => {
    expect(passwordProblem(' '.repeat(14))).toMatch(/blank/);
    expect(passwordProblem('Long.Name@Clinic.test', 'long.name@clinic.test')).toMatch(/email/);
  });
});
