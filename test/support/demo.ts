/** The demo logins the README promises (not read from the seed, so a changed seed fails the tests). */
export const DEMO_PASSWORD = 'SharedCare-demo-1';
export const DEMO_EMAILS = [
  'admin@demo.test',
  'therapist@demo.test',
  'psychiatrist@demo.test',
  'care.manager@demo.test',
  'outsider@demo.test',
] as const;

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** POST /auth/login with a demo account's password. */
export function demoLogin(authUrl: string, email: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${authUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
}
