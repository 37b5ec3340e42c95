// The extension's budgets (issue 6): the .vsix under 5 MB, activation under 150 ms.
// - Size: `npm run package` builds the .vsix; its size and largest entries are printed.
// - Activation: VS Code's own reading ("Developer: Show Running Extensions") in a real workbench
//   (code-server, as the e2e runs it), beside the built-in extensions that activated in the same
//   window as the reference. Needs the editor cache (`sh scripts/e2e-setup.sh`); skipped without it.
// Run alone: node --import tsx bench/extension.bench.ts
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launchBrowser, palette } from '../test/e2e/workbench';
// @ts-expect-error: a plain .mjs launcher shared with `npm run editor` and the e2e test
import { editorInstalled, packageExtension, startEditor } from '../scripts/editor.mjs';

const VSIX_BUDGET_BYTES = 5 * 1024 * 1024;
const ACTIVATION_BUDGET_MS = 150;
const SAMPLES = 3;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The entries of the .vsix with their compressed sizes, largest first (zipinfo's verbose listing). */
function largestEntries(vsix: string, count: number): { name: string; compressed: number }[] {
  const listing = execFileSync('zipinfo', ['-l', vsix], { encoding: 'utf8' });
  const entries: { name: string; compressed: number }[] = [];
  for (const line of listing.split('\n')) {
    // -rw-r--r--  2.0 unx   123456 b-     45678 defN 25-Nov-25 08:00 extension/dist/client/extension.js
    const match = /^\S+\s+\S+\s+\S+\s+\d+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+\S+\s+(.+)$/.exec(line);
    if (match) entries.push({ name: match[2]!, compressed: Number(match[1]) });
  }
  return entries.sort((a, b) => b.compressed - a.compressed).slice(0, count);
}

/** "123ms" or "1.2s" as shown in the Running Extensions editor, in ms. */
function parseDuration(text: string): number {
  const match = /([\d.]+)\s*(ms|s)\b/.exec(text);
  if (!match) return Number.NaN;
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

/** One fresh workbench: every activated extension's startup activation time, by display name. */
async function activationTimes(page: Page): Promise<Map<string, number>> {
  const editor = await startEditor();
  try {
    await page.goto(editor.url);
    await page.locator('.monaco-workbench').waitFor();
    // The extension shows its status bar item once activated.
    await page.locator('.statusbar-item', { hasText: 'Aether' }).first().waitFor();
    await palette(page, 'Developer: Show Running Extensions');
    const rows = page.locator('.monaco-list-row:has(.activation-time)');
    await rows.first().waitFor();
    await page.locator('.monaco-list-row:has(.activation-time)', { hasText: 'AetherScript Studio' }).first().waitFor();
    const times = new Map<string, number>();
    for (const row of await rows.all()) {
      const name = (
        await row
          .locator('.name')
          .first()
          .innerText()
          .catch(() => '')
      ).trim();
      const time = parseDuration(await row.locator('.activation-time').first().innerText());
      if (name && Number.isFinite(time)) times.set(name, time);
    }
    return times;
  } finally {
    editor.stop();
  }
}

export async function extensionBench(): Promise<string[]> {
  const lines: string[] = [];
  const vsix: string = packageExtension({ quiet: true });
  const size = statSync(vsix).size;
  lines.push(
    `.vsix ${mb(size)} (budget ${mb(VSIX_BUDGET_BYTES)}, ${(size / VSIX_BUDGET_BYTES).toFixed(2)}x of it: ${size <= VSIX_BUDGET_BYTES ? 'met' : 'MISSED'})`,
  );
  for (const entry of largestEntries(vsix, 5)) lines.push(`  ${mb(entry.compressed).padStart(8)}  ${entry.name}`);

  if (!editorInstalled()) {
    lines.push('activation: skipped (no editor cache; run `sh scripts/e2e-setup.sh` first)');
    return lines;
  }
  const browser = await launchBrowser();
  try {
    // Tall enough that the Running Extensions list (virtualised, slowest first) shows every row.
    const page = await browser.newPage({ viewport: { width: 1500, height: 2400 } });
    page.setDefaultTimeout(90_000);
    const ours: number[] = [];
    const builtins: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const times = await activationTimes(page);
      for (const [name, ms] of times) (name === 'AetherScript Studio' ? ours : builtins).push(ms);
    }
    const ourMedian = median(ours);
    const reference = median(builtins);
    lines.push(
      `activation (VS Code's Startup Activation, median of ${SAMPLES} fresh workbenches): ${ourMedian.toFixed(0)} ms ` +
        `[${ours.map((ms) => ms.toFixed(0)).join(', ')}] (budget ${ACTIVATION_BUDGET_MS} ms: ${ourMedian <= ACTIVATION_BUDGET_MS ? 'met' : 'MISSED'})`,
      `  reference: built-in extensions activated in the same windows, median ${reference.toFixed(0)} ms over ${builtins.length} ` +
        `(ratio ${(ourMedian / reference).toFixed(2)})`,
    );
  } finally {
    await browser.close();
  }
  return lines;
}

if (require.main === module) {
  extensionBench().then(
    (lines) => console.log(lines.join('\n')),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
