import type { Message } from '@sharedcare/client';
import type { Page } from 'playwright-core';
import {
  demoApi,
  describeInBrowser,
  expectAccessible,
  launchBrowser,
  screenshot,
  signedInClinicians,
  signIn,
  type TestBrowser,
} from '../support/browser.js';
import { type Platform, startPlatform } from '../support/services.js';

/**
 * User stories 1 and 2 (issue 6) in two browsers against the real services: the therapist messages
 * the psychiatrist, who reads it live while the therapist watches the read receipt arrive; the
 * psychiatrist posts a medication change through its form and the therapist acknowledges it. Also
 * a message sent offline, and the PHQ-9 form's total.
 */
describeInBrowser('the web client: consult stories 1 and 2', () => {
  let platform: Platform;
  let browser: TestBrowser;
  let therapist: Page;
  let psychiatrist: Page;
  let threadUrl: string;
  let threadId: string;

  beforeAll(async () => {
    platform = await startPlatform();
    browser = await launchBrowser();
    ({ therapist, psychiatrist } = await signedInClinicians(browser, platform.gateway.url));
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  /** The thread's stored messages, as the service has them (through the typed client). */
  async function stored(): Promise<Message[]> {
    return (await (await demoApi(platform, 'therapist@demo.test')).messages(threadId)).messages;
  }

  const messages = (page: Page) => page.getByRole('log', { name: 'Messages' });

  it('lists the shared client with its consent, accessibly', async () => {
    const row = therapist.getByRole('row', { name: /Jordan Lee \(demo\)/ });
    await row.getByText('Active').waitFor();
    await expectAccessible(therapist);
    await screenshot(therapist, 'client-list');
  });

  it('story 1: a note reaches the psychiatrist live, and the therapist sees it read', async () => {
    await therapist.getByRole('link', { name: 'Jordan Lee (demo)' }).click();
    await therapist.getByRole('heading', { name: 'Jordan Lee (demo)', level: 1 }).waitFor();
    await therapist.getByRole('heading', { name: 'Open a thread' }).waitFor();
    await expectAccessible(therapist);
    await screenshot(therapist, 'client-page');
    await therapist.getByLabel('Subject').fill('Sleep and mood');
    await therapist.getByRole('checkbox', { name: 'Dr. Sam Okafor, MD (Psychiatrist)' }).check();
    await therapist.getByRole('button', { name: 'Open thread' }).click();
    await therapist.getByRole('heading', { name: 'Sleep and mood', level: 2 }).waitFor();
    threadUrl = therapist.url();
    threadId = decodeURIComponent(threadUrl.split('/').at(-1)!);

    await psychiatrist.goto(threadUrl);
    await psychiatrist.getByRole('heading', { name: 'Sleep and mood', level: 2 }).waitFor();
    await therapist.getByText(/^Here now: /).waitFor();

    await psychiatrist.getByLabel('Your note').pressSequentially('Th');
    await therapist.getByText('Dr. Sam Okafor, MD is typing…').waitFor();
    await psychiatrist.getByLabel('Your note').fill('');

    await therapist.getByLabel('Your note').fill('Sleeping five hours; mood low in the mornings.');
    await therapist.getByRole('button', { name: 'Send note' }).click();
    await messages(psychiatrist).getByText('Sleeping five hours; mood low in the mornings.').waitFor();
    const sent = messages(therapist).getByRole('listitem').filter({ hasText: 'Sleeping five hours' });
    await sent.getByText('Stored').waitFor();
    await sent.getByText(/^Read by /).waitFor();

    await expectAccessible(therapist);
    await screenshot(therapist, 'thread-view-read');
    await screenshot(psychiatrist, 'thread-view-psychiatrist');
  });

  it('story 2: the psychiatrist posts a medication change, the therapist acknowledges it', async () => {
    await psychiatrist.getByRole('radio', { name: 'Medication change' }).check();
    await psychiatrist.getByLabel('Change', { exact: true }).selectOption('start');
    await psychiatrist.getByLabel('Medication', { exact: true }).fill('sertraline');
    await psychiatrist.getByLabel('RxNorm code (optional)').fill('36437');
    await psychiatrist.getByLabel('Dose (optional)').fill('50');
    await psychiatrist.getByLabel('Frequency (optional)').fill('once daily');
    await psychiatrist.getByLabel('Reason').fill('Moderate depression, sleep disturbance');
    await expectAccessible(psychiatrist);
    await psychiatrist.getByRole('button', { name: 'Send medication change' }).click();

    const change = messages(therapist).getByRole('listitem').filter({ hasText: 'sertraline' });
    await change.getByText('Start sertraline 50 mg, once daily').waitFor();
    await change.getByRole('button', { name: 'Acknowledge medication change' }).click();
    await change.getByText(/^Acknowledged by You on /).waitFor();
    const posted = messages(psychiatrist).getByRole('listitem').filter({ hasText: 'sertraline' });
    await posted.getByText(/^Acknowledged by /).waitFor();
    await expectAccessible(therapist);
    await screenshot(therapist, 'thread-view', { docs: true });
  });

  it('sends a referral with reasons from the taxonomy, and a safety concern to acknowledge', async () => {
    await psychiatrist.getByRole('radio', { name: 'Referral' }).check();
    await psychiatrist.getByLabel('Refer to').selectOption('to_therapy');
    await psychiatrist.getByRole('checkbox', { name: 'Trauma processing' }).check();
    await psychiatrist.getByRole('checkbox', { name: 'Skill building' }).check();
    await psychiatrist.getByLabel('Urgency').selectOption('soon');
    await psychiatrist.getByRole('button', { name: 'Send referral' }).click();
    const referral = messages(therapist).getByRole('listitem').filter({ hasText: 'To therapy' });
    await referral.getByText('Skill building; Trauma processing').waitFor();

    await therapist.getByRole('radio', { name: 'Safety concern' }).check();
    await therapist.getByRole('radio', { name: 'High' }).check();
    await therapist.getByLabel('Summary').fill('Passive ideation this week, no plan.');
    await therapist.getByLabel('Actions taken').fill('Safety plan reviewed; session moved up.');
    await therapist.getByRole('button', { name: 'Send safety concern' }).click();
    const concern = messages(psychiatrist).getByRole('listitem').filter({ hasText: 'Passive ideation' });
    await concern.getByText('High', { exact: true }).waitFor();
    await concern.getByText(/^Acknowledge by /).waitFor();
    await concern.getByRole('button', { name: 'Acknowledge safety concern' }).click();
    await messages(therapist)
      .getByRole('listitem')
      .filter({ hasText: 'Passive ideation' })
      .getByText(/^Acknowledged by /)
      .waitFor();
  });

  it('after a reload, shows who acknowledged what and when, and offers only what is still unacknowledged', async () => {
    const psychiatristApi = await demoApi(platform, 'psychiatrist@demo.test');
    await psychiatristApi.send(threadId, {
      clientMessageId: crypto.randomUUID(),
      kind: 'medication_change',
      category: 'medications',
      body: {
        action: 'hold',
        medication: { name: 'trazodone' },
        effectiveDate: '2026-12-01',
        reason: 'Daytime sedation',
      },
    });
    await messages(therapist).getByText('Hold trazodone').waitFor();
    const { receipts } = await psychiatristApi.messages(threadId);
    const at = (providerId: string) => receipts.acknowledgements.find((entry) => entry.providerId === providerId);
    const [dana, sam] = await Promise.all([
      demoApi(platform, 'therapist@demo.test').then((api) => api.me()),
      psychiatristApi.me(),
    ]);
    const danaAcknowledged = at(dana.providerId)!.acknowledgedAt;
    const samAcknowledged = at(sam.providerId)!.acknowledgedAt;

    // A reload signs out (tokens live in memory only); sign in again and come back to the thread.
    for (const [page, email] of [
      [therapist, 'therapist@demo.test'],
      [psychiatrist, 'psychiatrist@demo.test'],
    ] as const) {
      await page.reload();
      await signIn(page, platform.gateway.url, email);
      await page.goto(threadUrl);
      await page.getByRole('heading', { name: 'Sleep and mood', level: 2 }).waitFor();
    }

    const item = (page: Page, text: string) => messages(page).getByRole('listitem').filter({ hasText: text }).first();
    const acknowledgement = (page: Page, text: string) =>
      item(page, text).getByRole('list', { name: 'Acknowledgements' }).getByRole('listitem');
    // The therapist acknowledged the sertraline change: who and when, and no button.
    const sertraline = item(therapist, 'Start sertraline');
    await sertraline.getByText('Acknowledged by You on').waitFor();
    expect(await sertraline.locator('time').last().getAttribute('datetime')).toBe(danaAcknowledged);
    expect(await sertraline.getByRole('button', { name: /^Acknowledge/ }).count()).toBe(0);
    // Still owed: the trazodone hold keeps its button.
    await item(therapist, 'Hold trazodone').getByRole('button', { name: 'Acknowledge medication change' }).waitFor();
    // The safety concern the therapist sent: the psychiatrist's acknowledgement, with its time.
    const concern = acknowledgement(therapist, 'Passive ideation');
    await concern.getByText('Acknowledged by Dr. Sam Okafor, MD on').waitFor();
    expect(await concern.locator('time').getAttribute('datetime')).toBe(samAcknowledged);
    expect(await item(therapist, 'Passive ideation').getByText('Awaiting acknowledgement').count()).toBe(0);
    // And the psychiatrist, reloaded too, sees the same from the other side.
    await acknowledgement(psychiatrist, 'Start sertraline').getByText('Acknowledged by Dana Reyes').waitFor();
    await acknowledgement(psychiatrist, 'Passive ideation').getByText('Acknowledged by You on').waitFor();
    expect(
      await item(psychiatrist, 'Passive ideation')
        .getByRole('button', { name: /^Acknowledge/ })
        .count(),
    ).toBe(0);
    await item(psychiatrist, 'Hold trazodone')
      .getByText(/^Awaiting acknowledgement by /)
      .waitFor();
    await expectAccessible(therapist);
  });

  it('computes the PHQ-9 total from its items and sends them', async () => {
    await therapist.getByRole('radio', { name: 'Symptom update' }).check();
    const answers = [2, 2, 1, 2, 1, 1, 1, 0, 0];
    for (const [index, value] of answers.entries()) {
      await therapist.getByRole('combobox', { name: new RegExp(`^${index + 1}\\. `) }).selectOption(String(value));
    }
    await therapist.getByText('Total PHQ-9 score: 10 of 27').waitFor();
    await therapist.getByRole('button', { name: 'Send symptom update' }).click();
    await messages(psychiatrist).getByText('PHQ-9 10').waitFor();
    const phq9 = (await stored()).find((message) => message.kind === 'symptom_update');
    expect(phq9?.body).toMatchObject({ measures: [{ instrument: 'PHQ-9', items: answers, score: 10 }] });
  });

  it('shows a refused message as not stored, with the reason, until the user dismisses it', async () => {
    await therapist.getByRole('radio', { name: 'Note' }).check();
    await therapist.getByLabel('Your note').fill('Drinking most evenings.');
    // The demo consent does not name substance use (42 CFR Part 2).
    await therapist.getByLabel('Consent category it discloses').selectOption('substance_use');
    await therapist.getByRole('button', { name: 'Send note' }).click();
    const refused = messages(therapist).getByRole('listitem').filter({ hasText: 'Drinking most evenings' });
    await refused.getByText(/^Not stored: /).waitFor();
    expect(await refused.getAttribute('data-status')).toBe('refused');
    await refused.getByRole('button', { name: 'Dismiss' }).click();
    await refused.waitFor({ state: 'detached' });
    expect((await stored()).some((message) => message.category === 'substance_use')).toBe(false);
    await therapist.getByLabel('Consent category it discloses').selectOption('general');
  });

  it('keeps a message sent offline as pending, and stores it once after reconnecting', async () => {
    const context = therapist.context();
    await context.setOffline(true);
    await therapist.getByText(/^Offline/).waitFor();
    await therapist.getByRole('radio', { name: 'Note' }).check();
    await therapist.getByLabel('Your note').fill('Written on the train, no signal.');
    await therapist.getByRole('button', { name: 'Send note' }).click();
    const pending = messages(therapist).getByRole('listitem').filter({ hasText: 'Written on the train' });
    await pending.getByText(/^Not stored yet/).waitFor();
    const clientMessageId = await pending.getAttribute('data-client-message-id');
    await screenshot(therapist, 'thread-view-offline');

    await context.setOffline(false);
    await pending.getByText('Stored').waitFor();
    await messages(psychiatrist).getByText('Written on the train, no signal.').waitFor();
    const copies = (await stored()).filter((message) =>
      (message.body as { text?: string }).text?.startsWith('Written'),
    );
    expect(copies.map((copy) => copy.clientMessageId)).toEqual([clientMessageId]);
  });

  it('counts a message that arrives while the reader is on the client list as unread', async () => {
    await therapist.getByRole('link', { name: 'Clients', exact: true }).first().click();
    const row = therapist.getByRole('row', { name: /Jordan Lee \(demo\)/ });
    await row.getByText('None').first().waitFor();
    await psychiatrist.getByRole('radio', { name: 'Note' }).check();
    await psychiatrist.getByLabel('Your note').fill('Can we talk on Friday?');
    await psychiatrist.getByRole('button', { name: 'Send note' }).click();
    await row.getByText('1 unread').waitFor();
    await screenshot(therapist, 'client-list-unread');
  });
});
