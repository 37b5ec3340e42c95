// Driving a VS Code workbench (code-server) with Playwright: shared by the e2e test and the extension
// benchmark. Every wait is on a selector, never a fixed sleep.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
// @ts-expect-error: a plain .mjs launcher shared with `npm run editor`
import { findFiles, root } from '../../scripts/editor.mjs';

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

/** Opens a file by Quick Open: F1 and a query without '>' (unlike Ctrl+P, webviews always forward F1). */
export async function quickOpen(page: Page, query: string, timeout: number, label = query): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(query);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor({ timeout });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: label }).first().waitFor({ timeout });
}

/** The content frame of the webview panel whose title is given. */
export async function webview(page: Page, title: string, timeout: number): Promise<FrameLocator> {
  await page.locator('.tab.active', { hasText: title }).first().waitFor({ timeout });
  // Each webview is an iframe (class webview) holding the content iframe #active-frame; only the
  // visible one is ours.
  return page.locator('iframe.webview.ready:visible').last().contentFrame().locator('#active-frame').contentFrame();
}

/** Polls a locator's rendered text until it matches (a readiness signal, not a sleep). */
export async function waitForText(locator: Locator, pattern: RegExp, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await locator.innerText().catch(() => '');
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`text ${JSON.stringify(text.slice(0, 500))} never matched ${pattern}`);
    await locator.page().waitForTimeout(100);
  }
}

/** Polls log files (listed afresh each time: new ones appear) until one has a match. */
export async function waitForLog(files: () => string[], pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    for (const file of files()) {
      const match = pattern.exec(readFileSync(file, 'utf8'));
      if (match) return match;
    }
    if (Date.now() > deadline) throw new Error(`no log line ${pattern} in ${files().join(', ') || '(no log files yet)'}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A screenshot of the page as `<dir>/<name>.png`, its path printed relative to `root`. */
export async function screenshot(page: Page, dir: string, name: string, root: string): Promise<void> {
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`  screenshot ${path.relative(root, file)}`);
}

/**
 * The helpers an e2e file drives the workbench with, bound to its timeout; screenshots go to
 * test-results/, logs are read from the extension's `AetherScript.log` unless another name is given.
 */
export function workbenchSteps(timeout: number) {
  const results = path.join(root, 'test-results');
  mkdirSync(results, { recursive: true });
  return {
    step: (name: string) => console.log(`\n▶ ${name}`),
    palette: (page: Page, title: string) => palette(page, title, timeout),
    quickOpen: (page: Page, file: string) => quickOpen(page, file, timeout),
    webview: (page: Page, title: string) => webview(page, title, timeout),
    waitForText: (locator: Locator, pattern: RegExp, ms = timeout) => waitForText(locator, pattern, ms),
    shot: (page: Page, name: string) => screenshot(page, results, name, root),
    waitForLog: (dir: string, pattern: RegExp, fileName = /AetherScript\.log$/, ms = timeout) =>
      waitForLog(() => findFiles(dir, fileName), pattern, ms),
  };
}
