// Driving a VS Code workbench (code-server) with Playwright: shared by the e2e test and the extension
// benchmark. Every wait is on a selector, never a fixed sleep.
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium, headless, without the background traffic a test machine has no use for. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Runs a command from the palette by its title. */
export async function palette(page: Page, title: string, timeout?: number): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout });
  await page.keyboard.press('Enter');
}
