import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type ApiClient, apiClient, authClient } from '@sharedcare/client';
import { describe, expect } from '@jest/globals';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from './demo.js';
import type { Platform } from './services.js';

/** Debian's Chromium (`apt-get install chromium`); .ci/run installs it when missing. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = resolve(import.meta.dirname, '../..');
/** Every screenshot the browser tests take (gitignored). */
export const SCREENSHOTS = join(root, '.screenshots');
/** The few the README shows, rewritten only when UPDATE_DOCS_SCREENSHOTS=1. */
const DOCS_SCREENSHOTS = join(root, 'docs/screenshots');

/**
 * `describe` when Chromium is installed. Without it a local run skips the file and says so; in
 * CI (CI=true) it fails instead, so the browser tests never silently stop running there.
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) return describe(name, body);
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`);
      });
    });
    return;
  }
  console.warn(`SKIPPED "${name}": Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`);
  describe.skip(name, body);
}

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own cookies and storage: another person at another computer). */
  person(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * One headless Chromium per test file, with a fresh profile (playwright makes a temporary one per
 * launch), and without the background
 * connections (updates, sync, QUIC) a closed network refuses.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async person() {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US' });
      contexts.push(context);
      return context;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** Signs in through the page as a demo account (MFA off). */
export async function signIn(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
}

/** axe-core on the page as it is: no serious or critical violation (WCAG 2.x A and AA rules). */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(' ')),
    }));
  expect(serious).toEqual([]);
}

/** Saves a screenshot of the page under .screenshots/ (and docs/screenshots/ when `docs` and asked to). */
export async function screenshot(page: Page, name: string, options: { docs?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  if (options.docs && process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(DOCS_SCREENSHOTS, `${name}.png`), fullPage: true });
  }
}

/** The demo therapist and psychiatrist, each signed in in their own browser context (user stories). */
export async function signedInClinicians(
  browser: TestBrowser,
  baseUrl: string,
): Promise<{ therapist: Page; psychiatrist: Page }> {
  const therapist = await (await browser.person()).newPage();
  const psychiatrist = await (await browser.person()).newPage();
  await Promise.all([
    signIn(therapist, baseUrl, 'therapist@demo.test'),
    signIn(psychiatrist, baseUrl, 'psychiatrist@demo.test'),
  ]);
  return { therapist, psychiatrist };
}

/** The typed API as a demo account (MFA off), to set up data and to check what the service stored. */
export async function demoApi(platform: Pick<Platform, 'auth' | 'gateway'>, email: string): Promise<ApiClient> {
  const tokens = await authClient({ baseUrl: platform.auth.url }).login(email, DEMO_PASSWORD);
  if (!('accessToken' in tokens)) throw new Error(`${email} has MFA on`);
  return apiClient({ baseUrl: platform.gateway.url, token: () => tokens.accessToken });
}
