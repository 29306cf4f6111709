import { authClient, REFRESH_IDLE_SECONDS } from '@sharedcare/client';
import type { Page } from 'playwright-core';
import { totpCode, TOTP_PERIOD_SECONDS } from '../../apps/auth/src/mfa/totp.js';
import { DEMO_PASSWORD } from '../support/demo.js';
import {
  describeInBrowser,
  expectAccessible,
  launchBrowser,
  screenshot,
  signIn,
  type TestBrowser,
} from '../support/browser.js';
import { type Platform, startPlatform } from '../support/services.js';

/** Sign-in with the authenticator step, and the idle logoff with its warning. */
describeInBrowser('the web client: signing in and idle logoff', () => {
  let platform: Platform;
  let browser: TestBrowser;

  beforeAll(async () => {
    platform = await startPlatform();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const page = async (): Promise<Page> => (await browser.person()).newPage();

  it('refuses a wrong password with a message, accessibly', async () => {
    const visitor = await page();
    await visitor.goto(platform.gateway.url);
    await expectAccessible(visitor);
    await screenshot(visitor, 'sign-in');
    await visitor.getByLabel('Email').fill('therapist@demo.test');
    await visitor.getByLabel('Password').fill('not the password');
    await visitor.getByRole('button', { name: 'Sign in' }).click();
    await visitor.getByRole('alert').waitFor();
    expect(await visitor.getByRole('heading', { name: 'Clients' }).count()).toBe(0);
  });

  it('signs in and opens a client from the keyboard alone', async () => {
    const therapist = await page();
    await therapist.goto(platform.gateway.url);
    // The email field has focus on arrival (once the page has drawn it).
    await therapist.locator('input:focus').waitFor();
    expect(await therapist.getByLabel('Email').evaluate((field) => field === field.ownerDocument.activeElement)).toBe(
      true,
    );
    await therapist.keyboard.type('therapist@demo.test');
    await therapist.keyboard.press('Tab');
    await therapist.keyboard.type(DEMO_PASSWORD);
    await therapist.keyboard.press('Enter');
    await therapist.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    const client = therapist.getByRole('link', { name: 'Jordan Lee (demo)' });
    const focused = () => client.evaluate((link) => link === link.ownerDocument.activeElement);
    for (let presses = 0; presses < 15 && !(await focused()); presses += 1) await therapist.keyboard.press('Tab');
    expect(await focused()).toBe(true);
    await therapist.keyboard.press('Enter');
    await therapist.getByRole('heading', { name: 'Jordan Lee (demo)', level: 1 }).waitFor();
  });

  it('asks an account with MFA for its authenticator code, and signs in with it', async () => {
    const email = 'care.manager@demo.test';
    const login = await authClient({ baseUrl: platform.auth.url }).login(email, DEMO_PASSWORD);
    if (!('accessToken' in login)) throw new Error('MFA was already on');
    const account = authClient({ baseUrl: platform.auth.url, token: () => login.accessToken });
    const { secret } = await account.enrollMfa(DEMO_PASSWORD);
    const now = Date.now();
    await account.confirmMfa(await totpCode(secret, new Date(now)));

    const manager = await page();
    await manager.goto(platform.gateway.url);
    await manager.getByLabel('Email').fill(email);
    await manager.getByLabel('Password').fill(DEMO_PASSWORD);
    await manager.getByRole('button', { name: 'Sign in' }).click();
    const code = manager.getByLabel('Code from your authenticator app');
    await code.waitFor();
    await expectAccessible(manager);
    await screenshot(manager, 'sign-in-mfa');
    // The next time step's code: the one used to confirm cannot be used again.
    await code.fill(await totpCode(secret, new Date(now + TOTP_PERIOD_SECONDS * 1000)));
    await manager.getByRole('button', { name: 'Verify' }).click();
    await manager.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
  });

  it('warns before the idle logoff, keeps the session when asked, and signs out when the idle time runs out', async () => {
    const therapist = await page();
    await therapist.clock.install();
    await signIn(therapist, platform.gateway.url, 'therapist@demo.test');
    const warning = therapist.getByRole('alertdialog', { name: 'Still there?' });

    await therapist.clock.fastForward((REFRESH_IDLE_SECONDS - 90) * 1000);
    await warning.waitFor();
    expect(
      await therapist
        .getByRole('button', { name: 'Stay signed in' })
        .evaluate((button) => button === button.ownerDocument.activeElement),
    ).toBe(true);
    await expectAccessible(therapist);
    await screenshot(therapist, 'idle-warning');
    await therapist.getByRole('button', { name: 'Stay signed in' }).click();
    await warning.waitFor({ state: 'detached' });

    await therapist.clock.fastForward((REFRESH_IDLE_SECONDS - 60) * 1000);
    await warning.waitFor();
    await therapist.clock.fastForward(61_000);
    await therapist.getByText('You were signed out after a period without activity.').waitFor();
    await therapist.getByLabel('Password').waitFor();
  });
});
