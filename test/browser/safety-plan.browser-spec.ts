import type { Locator, Page } from 'playwright-core';
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

const WARNING_SIGNS = 'Signs that a crisis may be starting';
const COPING = 'Things I can do on my own to feel better';
const SUPPORT = 'People I can ask for help';
const CRISIS = 'Professionals and services to call in a crisis';

/**
 * User story 3 (issue 6) in two browsers against the real services: the therapist and the
 * psychiatrist edit the client's safety plan at the same time, each sees the other's edits and
 * where they are editing, and a fresh sign-in finds the plan as stored.
 */
describeInBrowser('the web client: the safety plan, story 3', () => {
  let platform: Platform;
  let browser: TestBrowser;
  let therapist: Page;
  let psychiatrist: Page;

  beforeAll(async () => {
    platform = await startPlatform();
    browser = await launchBrowser();
    ({ therapist, psychiatrist } = await signedInClinicians(browser, platform.gateway.url));
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const section = (page: Page, heading: string) =>
    page.getByRole('region', { name: new RegExp(`^\\d\\. ${heading}$`) });
  const saved = (page: Page) => page.getByRole('status').filter({ hasText: 'All changes saved' }).waitFor();

  async function openPlan(page: Page): Promise<void> {
    await page.getByRole('link', { name: 'Jordan Lee (demo)' }).click();
    await page.getByRole('link', { name: 'Safety plan' }).click();
    await page.getByRole('heading', { name: 'Safety plan', level: 2 }).waitFor();
    await saved(page);
  }

  /** Waits until the field shows `value` (a value is not text content, so getByText cannot see it). */
  async function shows(field: Locator, value: string): Promise<void> {
    const handle = await field.elementHandle();
    await field
      .page()
      .waitForFunction(([element, expected]) => (element as { value: string }).value === expected, [handle, value]);
  }

  /** Whether the element has the page's focus. */
  const hasFocus = (locator: Locator) =>
    locator.evaluate(
      (element) => element === (element as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement,
    );

  /** The plan as the service stores it (through the typed client). */
  async function stored() {
    const api = await demoApi(platform, 'therapist@demo.test');
    const client = (await api.clients()).clients[0];
    return { api, clientId: client.clientId, plan: await api.safetyPlan(client.clientId) };
  }

  it('story 3: two clinicians edit the plan at once, each sees the other live, and it is stored', async () => {
    await Promise.all([openPlan(therapist), openPlan(psychiatrist)]);

    // The sections in order, with their help text; 988 listed and not removable.
    const headings = await therapist.getByRole('heading', { level: 3 }).allTextContents();
    expect(headings.slice(0, 7)).toEqual([
      `1. ${WARNING_SIGNS}`,
      `2. ${COPING}`,
      '3. People and places that help me take my mind off things',
      `4. ${SUPPORT}`,
      `5. ${CRISIS}`,
      '6. Keeping my surroundings safe',
      '7. What matters most to me',
    ]);
    const crisis = section(therapist, CRISIS);
    await crisis.getByText('988 Suicide & Crisis Lifeline').waitFor();
    await crisis.getByText('Always on the plan; it cannot be changed or removed.').waitFor();
    expect(await crisis.getByRole('button', { name: /^Remove/ }).count()).toBe(0);

    // The therapist starts a warning sign: the psychiatrist sees where she is, then what she wrote.
    await section(therapist, WARNING_SIGNS)
      .getByRole('button', { name: `Add to ${WARNING_SIGNS}` })
      .click();
    const sign = section(therapist, WARNING_SIGNS).getByLabel(`Text, item 1 of ${WARNING_SIGNS}`);
    await sign.fill('Not sleeping for two nights');
    await section(psychiatrist, WARNING_SIGNS).getByText('Dana Reyes, LCSW editing this section').waitFor();
    await shows(
      section(psychiatrist, WARNING_SIGNS).getByLabel(`Text, item 1 of ${WARNING_SIGNS}`),
      'Not sleeping for two nights',
    );

    // Both at once, in different sections.
    const theirContact = section(psychiatrist, SUPPORT);
    await Promise.all([
      (async () => {
        await section(therapist, COPING)
          .getByRole('button', { name: `Add to ${COPING}` })
          .click();
        await section(therapist, COPING).getByLabel(`Text, item 1 of ${COPING}`).fill('Walk the dog around the park');
      })(),
      (async () => {
        await theirContact.getByRole('button', { name: `Add to ${SUPPORT}` }).click();
        await theirContact.getByLabel(`Name, item 1 of ${SUPPORT}`).fill('Alex (sister)');
        await theirContact.getByLabel(`Phone, item 1 of ${SUPPORT}`).fill('555-0142');
      })(),
    ]);
    await section(therapist, SUPPORT).getByText('Dr. Sam Okafor, MD editing this section').waitFor();
    await shows(section(therapist, SUPPORT).getByLabel(`Name, item 1 of ${SUPPORT}`), 'Alex (sister)');
    await shows(section(therapist, SUPPORT).getByLabel(`Phone, item 1 of ${SUPPORT}`), '555-0142');
    await shows(section(psychiatrist, COPING).getByLabel(`Text, item 1 of ${COPING}`), 'Walk the dog around the park');
    await Promise.all([saved(therapist), saved(psychiatrist)]);

    // The change log names both.
    const log = therapist.getByRole('table');
    await log.getByRole('cell', { name: 'Dr. Sam Okafor, MD' }).first().waitFor();
    await log.getByRole('cell', { name: 'You' }).first().waitFor();
    await log.getByRole('cell', { name: SUPPORT }).first().waitFor();

    await therapist.getByRole('heading', { name: 'Safety plan', level: 2 }).scrollIntoViewIfNeeded();
    await expectAccessible(therapist);
    await screenshot(therapist, 'safety-plan-editor', { docs: true });

    // Stored: the service has both edits, and a fresh sign-in (a reload signs out) shows them.
    const { plan } = await stored();
    const items = (id: string) => plan.sections.find((s) => s.id === id)?.items;
    expect(items('warning_signs')).toEqual([{ text: 'Not sleeping for two nights' }]);
    expect(items('coping_strategies')).toEqual([{ text: 'Walk the dog around the park' }]);
    expect(items('support_contacts')).toEqual([{ name: 'Alex (sister)', phone: '555-0142', text: '' }]);

    await psychiatrist.reload();
    await signIn(psychiatrist, platform.gateway.url, 'psychiatrist@demo.test');
    await openPlan(psychiatrist);
    await shows(
      section(psychiatrist, WARNING_SIGNS).getByLabel(`Text, item 1 of ${WARNING_SIGNS}`),
      'Not sleeping for two nights',
    );
    await shows(section(psychiatrist, SUPPORT).getByLabel(`Phone, item 1 of ${SUPPORT}`), '555-0142');
  });

  it('removes an item for everyone, from the keyboard', async () => {
    const remove = section(therapist, COPING).getByRole('button', { name: `Remove item 1 of ${COPING}` });
    await remove.focus();
    await therapist.keyboard.press('Enter');
    await section(psychiatrist, COPING).getByText('Nothing written here yet.').waitFor();
    await saved(therapist);
    const { plan } = await stored();
    expect(plan.sections[1].items).toEqual([]);
  });

  it('shows long typing to the others as it goes, not only when it pauses', async () => {
    const SAFE = 'Keeping my surroundings safe';
    const text = 'Medicines locked away by his partner';
    await section(psychiatrist, SAFE)
      .getByRole('button', { name: `Add to ${SAFE}` })
      .click();
    const field = section(therapist, SAFE).getByLabel(`Text, item 1 of ${SAFE}`);
    await field.waitFor();
    const handle = await field.elementHandle();
    // A key every 150 ms never pauses long enough (0.4 s) to send; the 2 s cap sends it anyway.
    const typing = section(psychiatrist, SAFE)
      .getByLabel(`Text, item 1 of ${SAFE}`)
      .pressSequentially(text, { delay: 150 });
    await therapist.waitForFunction(
      ([element, whole]) => {
        const value = (element as { value: string }).value;
        return value.length > 0 && value.length < whole.length && whole.startsWith(value);
      },
      [handle, text] as const,
    );
    await typing;
    await shows(field, text);
  });

  it('keeps an edit made offline on the page, says it is not saved, and saves it when the connection returns', async () => {
    const MATTERS = 'What matters most to me';
    await therapist.context().setOffline(true);
    await therapist
      .getByRole('status')
      .filter({ hasText: /^Offline: your changes are kept/ })
      .waitFor();
    await section(therapist, MATTERS)
      .getByRole('button', { name: `Add to ${MATTERS}` })
      .click();
    await section(therapist, MATTERS).getByLabel(`Text, item 1 of ${MATTERS}`).fill('My daughter’s graduation in June');
    await therapist
      .getByRole('status')
      .filter({ hasText: /^Offline: your changes are kept/ })
      .waitFor();
    expect((await stored()).plan.sections[6].items).toEqual([]);

    await therapist.context().setOffline(false);
    await saved(therapist);
    expect((await stored()).plan.sections[6].items).toEqual([{ text: 'My daughter’s graduation in June' }]);
    await shows(
      section(psychiatrist, MATTERS).getByLabel(`Text, item 1 of ${MATTERS}`),
      'My daughter’s graduation in June',
    );
  });

  it('opens the printable page for the client', async () => {
    const [printable] = await Promise.all([
      therapist.context().waitForEvent('page'),
      therapist.getByRole('button', { name: 'Printable page for the client' }).click(),
    ]);
    await printable.getByRole('heading', { name: 'My safety plan', level: 1 }).waitFor();
    await printable.getByText('Not sleeping for two nights').waitFor();
    await printable.getByText(/988 Suicide & Crisis Lifeline/).waitFor();
    await printable.close();
  });

  it('names the plan as it stands, opens that version read-only, and compares it with the plan as it changes', async () => {
    const LABEL = 'Reviewed with the client on 27 November';
    const versions = therapist.getByRole('region', { name: 'Named versions' });
    const label = versions.getByRole('textbox', { name: 'Label' });
    expect(await label.inputValue()).toMatch(/^Reviewed with the client on /);
    // From the keyboard: type the label, Enter names it.
    await label.fill(LABEL);
    await label.press('Enter');
    await versions
      .getByRole('status')
      .filter({ hasText: `Named “${LABEL}”.` })
      .waitFor();
    const row = versions.getByRole('row', { name: new RegExp(LABEL) });
    await row.getByRole('cell', { name: 'You' }).waitFor();
    const { api, clientId } = await stored();
    const [named] = (await api.namedSafetyPlanVersions(clientId)).versions;
    expect(named).toMatchObject({ label: LABEL });
    await expectAccessible(therapist);

    // Opened: the plan as it was, read-only; closing it gives focus back to the button that opened it.
    const open = row.getByRole('button', { name: `Open “${LABEL}”` });
    await open.focus();
    await therapist.keyboard.press('Enter');
    const version = therapist.getByRole('region', { name: `“${LABEL}” (read-only)` });
    await version.getByText('Not sleeping for two nights').waitFor();
    await version.getByText('Alex (sister), 555-0142').waitFor();
    expect(await hasFocus(version.getByRole('heading', { level: 4 }))).toBe(true);
    expect(await version.getByRole('textbox').count()).toBe(0);
    await expectAccessible(therapist);
    await version.getByRole('button', { name: `Close “${LABEL}”` }).click();
    await version.waitFor({ state: 'detached' });
    expect(await hasFocus(open)).toBe(true);

    // Compared with the current plan, which the psychiatrist now changes: the comparison follows.
    await row.getByRole('button', { name: `Compare “${LABEL}” with the current plan` }).click();
    const comparison = therapist.getByRole('region', { name: `“${LABEL}” compared with the current plan` });
    await comparison.getByText('The current plan is the same as this version.').waitFor();
    await section(psychiatrist, WARNING_SIGNS)
      .getByLabel(`Text, item 1 of ${WARNING_SIGNS}`)
      .fill('Not sleeping for three nights');
    await section(psychiatrist, COPING)
      .getByRole('button', { name: `Add to ${COPING}` })
      .click();
    await section(psychiatrist, COPING).getByLabel(`Text, item 1 of ${COPING}`).fill('Call my brother');
    await section(psychiatrist, SUPPORT)
      .getByRole('button', { name: `Remove item 1 of ${SUPPORT}` })
      .click();
    await saved(psychiatrist);

    const diff = (heading: string) => comparison.getByRole('region', { name: new RegExp(`^\\d\\. ${heading}$`) });
    await diff(WARNING_SIGNS)
      .getByRole('list', { name: 'Changed' })
      .getByText('Was: Not sleeping for two nights. Now: Not sleeping for three nights')
      .waitFor();
    await diff(COPING).getByRole('list', { name: 'Added' }).getByText('Call my brother').waitFor();
    await diff(SUPPORT).getByRole('list', { name: 'Removed' }).getByText('Alex (sister), 555-0142').waitFor();
    await diff('What matters most to me').getByText('No changes (1 item the same)').waitFor();
    await comparison.getByText('3 changes since this version (the current plan as saved).').waitFor();
    await expectAccessible(therapist);
    await screenshot(therapist, 'safety-plan-compare');

    // The service agrees, section by section.
    const compared = await api.compareSafetyPlan(clientId, named.id);
    const counts = compared.sections.map((s) => [s.added.length, s.removed.length, s.changed.length]);
    expect(counts.slice(0, 4)).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 0, 0],
      [0, 1, 0],
    ]);
  });

  it('tells the psychiatrist at once when the consent is revoked, and takes no more edits', async () => {
    const { api, clientId } = await stored();
    const consent = (await api.consents(clientId)).consents.find((candidate) => candidate.status === 'active')!;
    await api.revokeConsent(consent.consentId, 'Client withdrew consent at today’s session.');

    await psychiatrist
      .getByRole('alert')
      .filter({ hasText: 'Your access to this client’s plan has ended: changes made here are not saved.' })
      .waitFor();
    await psychiatrist.getByRole('status').filter({ hasText: 'Changes are not being saved' }).waitFor();
    const field = section(psychiatrist, WARNING_SIGNS).getByLabel(`Text, item 1 of ${WARNING_SIGNS}`);
    expect(await field.isEditable()).toBe(false);
    expect(
      await section(psychiatrist, WARNING_SIGNS)
        .getByRole('button', { name: `Add to ${WARNING_SIGNS}` })
        .isDisabled(),
    ).toBe(true);
    await expectAccessible(psychiatrist);
  });
});
