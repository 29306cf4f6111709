import { randomUUID } from 'node:crypto';
import { type ApiClient, ApiError, type OverdueAcknowledgements } from '@sharedcare/client';
import type { Locator, Page } from 'playwright-core';
import {
  demoApi,
  describeInBrowser,
  expectAccessible,
  launchBrowser,
  screenshot,
  signedInClinicians,
  type TestBrowser,
} from '../support/browser.js';
import { type Platform, startPlatform } from '../support/services.js';

/** Ahead of the send by enough to be in the future when the service checks it, and no more. */
const DUE_IN_MS = 2_000;

/**
 * The overdue badges against the real services. The built services read the system clock, which a
 * test cannot move, and `acknowledgeBy` must be in the future when sent; so the psychiatrist asks
 * for an acknowledgement two seconds ahead (the contract's own field), and the test waits for the
 * service to list it as overdue by its own clock before looking at the pages. The other change,
 * due in the default 24 hours, shows the badge is not shown for everything.
 */
describeInBrowser('the web client: overdue acknowledgements', () => {
  let platform: Platform;
  let browser: TestBrowser;
  let therapist: Page;
  let psychiatrist: Page;
  let therapistApi: ApiClient;
  let clientId: string;
  let threadUrl: string;
  let overdueId: string;

  beforeAll(async () => {
    platform = await startPlatform();
    browser = await launchBrowser();
    ({ therapist, psychiatrist } = await signedInClinicians(browser, platform.gateway.url));
    therapistApi = await demoApi(platform, 'therapist@demo.test');
    const psychiatristApi = await demoApi(platform, 'psychiatrist@demo.test');
    clientId = (await therapistApi.clients()).clients[0].clientId;
    const thread = await therapistApi.createThread({
      clientId,
      subject: 'Lithium',
      participantIds: [(await psychiatristApi.me()).providerId],
    });
    threadUrl = `${platform.gateway.url}/#/clients/${clientId}/threads/${thread.threadId}`;
    const change = (name: string, acknowledgeBy?: string) =>
      psychiatristApi.send(thread.threadId, {
        clientMessageId: randomUUID(),
        kind: 'medication_change',
        category: 'medications',
        body: {
          action: 'start',
          medication: { name },
          effectiveDate: '2026-12-01',
          reason: 'Bipolar II',
          acknowledgeBy,
        },
      });
    // Refused (acknowledgeBy not in the future) only if the send itself outlasted DUE_IN_MS: then
    // asked again; any other refusal fails the test.
    for (;;) {
      const sent = await change('lithium', new Date(Date.now() + DUE_IN_MS).toISOString()).catch((error: unknown) => {
        const late =
          error instanceof ApiError &&
          error.code === 'invalid' &&
          JSON.stringify(error.details).includes('body.acknowledgeBy');
        if (late) return null;
        throw error;
      });
      if (sent) {
        overdueId = sent.messageId;
        break;
      }
    }
    await change('lamotrigine');
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  /**
   * Asks the service until the change is overdue by its clock. There is no event to wait for (the
   * service computes overdue when asked), so this polls, as the harness polls a starting process.
   */
  async function untilOverdue(): Promise<OverdueAcknowledgements> {
    const deadline = Date.now() + DUE_IN_MS + 10_000;
    for (;;) {
      const overdue = await therapistApi.overdue();
      if (overdue.owedByMe.some((entry) => entry.messageId === overdueId)) return overdue;
      if (Date.now() > deadline) throw new Error('the change never became overdue');
      await new Promise((resolve) => setTimeout(resolve, 100)); // polling a clock we cannot subscribe to
    }
  }

  /** The client list afresh (it asks for the overdue list when it is shown). */
  async function clientRow(page: Page): Promise<Locator> {
    await page.goto(`${platform.gateway.url}/#/clients/${clientId}`);
    await page.getByRole('heading', { name: 'Jordan Lee (demo)', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Clients', exact: true }).first().click();
    return page.getByRole('row', { name: /Jordan Lee \(demo\)/ });
  }
  /** The row's `Overdue acknowledgements` cell. */
  const overdueCell = (row: Locator) => row.getByRole('cell').nth(3);
  const change = (page: Page, name: string) =>
    page
      .getByRole('log', { name: 'Messages' })
      .getByRole('listitem')
      .filter({ hasText: `Start ${name}` });

  it('shows the overdue acknowledgement in both clinicians’ client lists and thread views', async () => {
    const overdue = await untilOverdue();
    expect(overdue.owedByMe.map((entry) => entry.messageId)).toEqual([overdueId]);

    const danaRow = await clientRow(therapist);
    await overdueCell(danaRow).getByText('1 overdue from you').waitFor();
    const samRow = await clientRow(psychiatrist);
    await overdueCell(samRow).getByText('1 overdue to you').waitFor();
    await expectAccessible(therapist);
    await screenshot(therapist, 'client-list-overdue');

    await Promise.all([therapist.goto(threadUrl), psychiatrist.goto(threadUrl)]);
    const lithium = change(therapist, 'lithium');
    await lithium.getByText(/^Acknowledgement overdue since /).waitFor();
    await lithium.getByRole('button', { name: 'Acknowledge medication change' }).waitFor();
    // Due tomorrow: asked for, not overdue.
    const lamotrigine = change(therapist, 'lamotrigine');
    await lamotrigine.getByText(/^Acknowledge by /).waitFor();
    expect(await lamotrigine.getByText(/overdue/).count()).toBe(0);
    // The sender sees it waiting past its time.
    await change(psychiatrist, 'lithium')
      .getByText(/^Acknowledgement overdue since /)
      .waitFor();
    await change(psychiatrist, 'lamotrigine')
      .getByText(/^Awaiting acknowledgement by /)
      .waitFor();
    await expectAccessible(therapist);
    await screenshot(therapist, 'thread-view-overdue');
  });

  it('clears it everywhere once the therapist acknowledges', async () => {
    const lithium = change(therapist, 'lithium');
    await lithium.getByRole('button', { name: 'Acknowledge medication change' }).click();
    await lithium.getByText(/^Acknowledged by You on /).waitFor();
    expect(await lithium.getByText(/overdue/).count()).toBe(0);
    const sent = change(psychiatrist, 'lithium');
    await sent.getByText(/^Acknowledged by Dana Reyes, LCSW on /).waitFor();
    expect(await sent.getByText(/overdue/).count()).toBe(0);

    expect(await therapistApi.overdue()).toEqual({ owedByMe: [], owedToMe: [] });
    await overdueCell(await clientRow(therapist))
      .getByText('None', { exact: true })
      .waitFor();
    await overdueCell(await clientRow(psychiatrist))
      .getByText('None', { exact: true })
      .waitFor();
  });
});
