/**
 * Debian's chromium (apt-get install chromium) driven by playwright-core: headless, no sandbox (CI
 * runs as root), no GPU, no background traffic, a fresh profile per run. No browser is downloaded;
 * a missing chromium fails the suite with the install command.
 */
import { existsSync } from 'node:fs';
import { BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env['E2E_CHROMIUM'] || '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function requireChromium(): string {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `chromium is not installed at ${CHROMIUM}: the console e2e tests drive Debian's chromium. ` +
        `Install it with: apt-get install -y --no-install-recommends chromium (or sudo ./tools/install-test-deps.sh); ` +
        `E2E_CHROMIUM=/path/to/chromium points elsewhere.`,
    );
  }
  return CHROMIUM;
}

/** A persistent context on a fresh --user-data-dir (the folder is the profile; removed by the caller). */
export async function launch(userDataDir: string, baseURL: string): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: requireChromium(),
    headless: true,
    args: CHROMIUM_ARGS,
    baseURL,
    viewport: { width: 1280, height: 860 },
    colorScheme: 'light',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  context.setDefaultTimeout(20_000);
  return context;
}
