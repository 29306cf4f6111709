export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * NIST 800-63B style: length is what counts, between 12 and 128 characters (code points, so a
 * passphrase in any script is measured as a person counts it); no composition rules.
 * Returns the problem, or undefined when the password is acceptable.
 */
export function passwordProblem(password: string, email?: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `Password must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `Password must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (password.trim().length === 0) return 'Password must not be blank';
  if (email && password.trim().toLowerCase() === email.trim().toLowerCase())
    return 'Password must not be the email address';
  return undefined;
}
