// Debian's Chromium driven by playwright-core, as every browser test opens it: headless, a
// profile folder of the test's own, and every page error or console error (CSP violations show
// up there) collected so a test can assert there were none.
import { existsSync } from 'node:fs';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface OpenBrowser {
  context: BrowserContext;
  page: Page;
}

/** Throws with the command that installs Chromium when it is missing. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/lib/ensure-chromium.sh`);
}

/** Opens Chromium on its first page; `errors` receives page errors and console errors. */
export async function openChromium(
  profileDir: string,
  errors: string[],
  credentials?: { username: string; password: string },
): Promise<OpenBrowser> {
  const context = await chromium.launchPersistentContext(profileDir, {
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
    viewport: { width: 1280, height: 900 },
    ...(credentials ? { httpCredentials: credentials } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return { context, page };
}
