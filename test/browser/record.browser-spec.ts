import { randomUUID } from 'node:crypto';
import type { ApiClient } from '@sharedcare/client';
import type { Page } from 'playwright-core';
import {
  demoApi,
  describeInBrowser,
  expectAccessible,
  launchBrowser,
  screenshot,
  signIn,
  type TestBrowser,
} from '../support/browser.js';
import { type Platform, startPlatform } from '../support/services.js';

const DAY = 86_400_000;

/**
 * The client's record beyond the threads (issue 6): PHQ-9 and GAD-7 over time with medication
 * changes marked, consent management, break-the-glass emergency access, and the access report,
 * each checked with axe and worked from the keyboard where it matters.
 */
describeInBrowser('the web client: measures, consents, emergency access and the access report', () => {
  let platform: Platform;
  let browser: TestBrowser;
  let therapist: Page;
  let clientId: string;
  let therapistApi: ApiClient;

  const login = (email: string) => demoApi(platform, email);

  beforeAll(async () => {
    platform = await startPlatform();
    browser = await launchBrowser();
    therapist = await (await browser.person()).newPage();

    // A course of care through the public API: four PHQ-9 and two GAD-7 results, sertraline started and raised.
    therapistApi = await login('therapist@demo.test');
    const psychiatristApi = await login('psychiatrist@demo.test');
    clientId = (await therapistApi.clients()).clients[0].clientId;
    const me = await psychiatristApi.me();
    const thread = await therapistApi.createThread({
      clientId,
      subject: 'Mood follow-up',
      participantIds: [me.providerId],
    });
    const start = Date.now() - 70 * DAY;
    const at = (days: number) => new Date(start + days * DAY).toISOString();
    const day = (days: number) => at(days).slice(0, 10);
    const symptoms = (measures: { instrument: 'PHQ-9' | 'GAD-7'; score: number; observedAt: string }[]) =>
      therapistApi.send(thread.threadId, {
        clientMessageId: randomUUID(),
        kind: 'symptom_update',
        category: 'symptoms',
        body: { measures },
      });
    await symptoms([
      { instrument: 'PHQ-9', score: 21, observedAt: at(0) },
      { instrument: 'GAD-7', score: 15, observedAt: at(0) },
    ]);
    await psychiatristApi.send(thread.threadId, {
      clientMessageId: randomUUID(),
      kind: 'medication_change',
      category: 'medications',
      body: {
        action: 'start',
        medication: { name: 'sertraline' },
        dose: { value: 50, unit: 'mg' },
        frequency: 'once daily',
        effectiveDate: day(3),
        reason: 'Moderately severe depression',
      },
    });
    await symptoms([{ instrument: 'PHQ-9', score: 16, observedAt: at(21) }]);
    await psychiatristApi.send(thread.threadId, {
      clientMessageId: randomUUID(),
      kind: 'medication_change',
      category: 'medications',
      body: {
        action: 'increase',
        medication: { name: 'sertraline' },
        dose: { value: 100, unit: 'mg' },
        effectiveDate: day(28),
        reason: 'Partial response at four weeks',
      },
    });
    await symptoms([
      { instrument: 'PHQ-9', score: 11, observedAt: at(49) },
      { instrument: 'GAD-7', score: 9, observedAt: at(49) },
    ]);
    await symptoms([{ instrument: 'PHQ-9', score: 8, observedAt: at(70) }]);

    await signIn(therapist, platform.gateway.url, 'therapist@demo.test');
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const tab = async (page: Page, name: string) => {
    await page.goto(`${platform.gateway.url}/#/clients/${clientId}`);
    await page.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { name, level: 2 }).waitFor();
  };

  it('charts PHQ-9 and GAD-7 with the medication changes marked, with tables of the same', async () => {
    await tab(therapist, 'Measures');
    const chart = therapist.getByRole('img', {
      name: /^PHQ-9 and GAD-7 scores over time, with medication changes marked/,
    });
    await chart.waitFor();
    expect(await chart.getAttribute('aria-labelledby')).toMatch(/measures-chart-title/);
    const description = await chart.locator('desc').textContent();
    expect(description).toContain('PHQ-9: 4 results, from 21');
    expect(description).toContain('to 8 on');
    expect(description).toContain('GAD-7: 2 results, from 15');
    expect(description).toContain('2 medication changes marked');
    // One marker per result, one numbered line per change.
    expect(await chart.locator('polyline').count()).toBe(2);
    expect(await chart.locator('g circle[r="4.5"]').count()).toBe(4);
    expect(await chart.locator('g rect').count()).toBe(2);

    const results = therapist.getByRole('table', { name: 'PHQ-9 and GAD-7 results' });
    expect(await results.getByRole('row').count()).toBe(1 + 6);
    await results.getByRole('row', { name: /PHQ-9 21 Severe You$/ }).waitFor();
    await results.getByRole('row', { name: /PHQ-9 8 You$/ }).waitFor();
    const changes = therapist.getByRole('table', { name: 'Medication changes' });
    await changes
      .getByRole('row', { name: /^1 .* Start sertraline 50 mg, once daily Moderately severe depression/ })
      .waitFor();
    await changes
      .getByRole('row', { name: /^2 .* Increase sertraline 100 mg Partial response at four weeks/ })
      .waitFor();
    await therapist.getByText(/^PHQ-9 baseline 21 on .*, latest 8 on /).waitFor();

    await expectAccessible(therapist);
    await screenshot(therapist, 'measures');
  });

  it('records a consent and revokes it with a reason, from the keyboard', async () => {
    await tab(therapist, 'Consents');
    const form = therapist.getByRole('form', { name: 'Record a consent' });
    await form.getByRole('checkbox', { name: 'Jordan Lee, RN (Care manager)' }).check();
    await form.getByRole('checkbox', { name: 'Symptoms', exact: true }).check();
    await form.getByRole('checkbox', { name: 'Safety plan', exact: true }).check();
    await form.getByLabel('Purpose').selectOption('care_coordination');
    const expires = new Date(Date.now() + 90 * DAY).toISOString().slice(0, 10);
    await form.getByLabel('Expires on').fill(expires);
    await form.getByLabel('How the client gave it').selectOption('verbal');
    await form.getByLabel('Signed by (the client or their guardian)').fill('Jordan Lee');
    await form.getByRole('button', { name: 'Record consent' }).click();
    await therapist.getByRole('status').filter({ hasText: 'Consent recorded.' }).waitFor();

    const table = therapist.getByRole('table', { name: 'Consents on file, newest first' });
    const row = table.getByRole('row', { name: /Jordan Lee, RN/ });
    await row.getByText('Active').waitFor();
    await row.getByText('Symptoms, Safety plan').waitFor();
    await row.getByText('Care coordination').waitFor();
    const stored = (await therapistApi.consents(clientId)).consents.find(
      (consent) => consent.categories.includes('safety_plan') && consent.purpose === 'care_coordination',
    );
    expect(stored).toMatchObject({
      status: 'active',
      categories: ['symptoms', 'safety_plan'],
      expiresAt: `${expires}T23:59:59.000Z`,
    });
    await expectAccessible(therapist);
    await screenshot(therapist, 'consents');

    // Revoke: the dialog takes focus, Escape cancels and gives focus back, a reason is required.
    const revoke = row.getByRole('button', { name: /^Revoke/ });
    await revoke.focus();
    await therapist.keyboard.press('Enter');
    const dialog = therapist.getByRole('dialog', { name: 'Revoke consent' });
    await dialog.waitFor();
    await dialog.locator('#revoke-reason:focus').waitFor();
    await expectAccessible(therapist);
    await therapist.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await revoke.and(therapist.locator(':focus')).waitFor();
    expect(
      (await therapistApi.consents(clientId)).consents.find((c) => c.consentId === stored!.consentId)?.status,
    ).toBe('active');

    await therapist.keyboard.press('Enter');
    await dialog.waitFor();
    await therapist.keyboard.type('Client asked to stop sharing with care management.');
    await therapist.keyboard.press('Tab');
    await therapist.keyboard.press('Enter');
    await therapist.getByRole('status').filter({ hasText: 'Consent revoked.' }).waitFor();
    await row.getByText('Revoked').waitFor();
    await row.getByText(/Client asked to stop sharing with care management\./).waitFor();
    const revoked = (await therapistApi.consents(clientId)).consents.find((c) => c.consentId === stored!.consentId);
    expect(revoked).toMatchObject({
      status: 'revoked',
      revocationReason: 'Client asked to stop sharing with care management.',
    });
  });

  it('breaks the glass for a clinician without access, with a reason; the access report shows it', async () => {
    const outsider = await (await browser.person()).newPage();
    await signIn(outsider, platform.gateway.url, 'outsider@demo.test');
    await outsider.goto(`${platform.gateway.url}/#/clients/${clientId}`);
    await outsider.getByRole('alert').filter({ hasText: 'This client is not available to you' }).waitFor();
    await outsider.getByRole('button', { name: 'Break the glass…' }).click();
    const dialog = outsider.getByRole('dialog', { name: 'Open emergency access' });
    await dialog.waitFor();
    await expectAccessible(outsider);
    await screenshot(outsider, 'emergency-access');

    // Too short a reason is not sent (the field says why); nothing is opened.
    const reason = dialog.getByLabel(/^Reason \(at least 20 characters\)/);
    await reason.fill('Urgent');
    await dialog.getByRole('button', { name: 'Open emergency access' }).click();
    expect(
      await reason.evaluate((element) => (element as unknown as { validity: { tooShort: boolean } }).validity.tooShort),
    ).toBe(true);
    expect(
      await (await login('outsider@demo.test')).client(clientId).catch((error: { code: string }) => error.code),
    ).toBe('not_found');

    await reason.fill('Client called the crisis line; on-call needs the safety plan now.');
    await dialog.getByRole('button', { name: 'Open emergency access' }).click();
    await outsider.getByRole('heading', { name: 'Jordan Lee (demo)', level: 1 }).waitFor();
    await outsider.getByText(/Your access: Emergency/).waitFor();
    expect((await (await login('outsider@demo.test')).client(clientId)).access).toBe('emergency');

    await tab(therapist, 'Access report');
    const report = therapist.getByRole('table', { name: 'Who accessed this client’s information, newest first' });
    await report
      .getByRole('row', { name: /Riley Moss, LPC .* emergency_access\.open/ })
      .first()
      .waitFor();
    await report
      .getByRole('row', { name: /Riley Moss, LPC .*Refused/ })
      .first()
      .waitFor();
    await expectAccessible(therapist);
    await screenshot(therapist, 'access-report');
  });
});
