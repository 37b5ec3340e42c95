// End-to-end over a real registry (spec section 12, issue 15): Verdaccio on 127.0.0.1 with example
// plugins published by `aether plugins publish` (signed with a key made by `aether keys generate`, one
// unsigned), a fresh workspace whose .npmrc names it, and the packaged extension in code-server. The
// Plugins view's Catalog lists the registry's plugins, the detail page shows one, Install adds it, and
// it appears in the Installed section, in Load Order (coloured by attestation) and in completion.
// Screenshots go to test-results/. Run: npm run test:e2e (after editor.e2e.ts, reusing its .vsix), or
// alone: node --import tsx test/e2e/registry.e2e.ts [--reuse].
import type { Page } from 'playwright-core';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error: a plain .mjs launcher shared with `npm run editor`
import { findFiles, packageExtension, root, setup, startEditor } from '../../scripts/editor.mjs';
import { launchBrowser, workbenchSteps } from './workbench';
import { startRegistry } from '../integration/registry/verdaccio';
import { authoringCopy, generateKeys, npmEnv, publish } from '../integration/registry/fixtures';
import { ensureBuilt } from '../integration/runtime/workspace';

const timeout = 90_000;
const { step, palette, quickOpen, webview, waitForText, shot, waitForLog } = workbenchSteps(timeout);

const examples = path.join(root, 'examples');

/** A fresh workspace: .npmrc naming the registry, the examples' key and the publisher's key trusted, two local plugins (one verified, one edited after signing) and a pipeline that wants `timing`. */
async function registryWorkspace(registry: string, publisherPub: string, publisherKeyid: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aether-e2e-registry-ws-'));
  const examplesConfig = JSON.parse(await readFile(path.join(examples, 'aether.config.json'), 'utf8')) as {
    aether: { trust: { keys: unknown[] } };
  };
  const keys = [...examplesConfig.aether.trust.keys, { keyid: publisherKeyid, publicKey: await readFile(publisherPub, 'utf8') }];
  await writeFile(path.join(dir, 'aether.config.json'), `${JSON.stringify({ aether: { trust: { policy: 'warn', keys } } }, null, 2)}\n`);
  await writeFile(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: 'registry-e2e', version: '1.0.0', private: true }, null, 2)}\n`,
  );
  await writeFile(path.join(dir, '.npmrc'), `registry=${registry}\n`);
  await cp(path.join(examples, 'plugins', 'core-tools'), path.join(dir, 'plugins', 'core-tools'), { recursive: true });
  await cp(path.join(examples, 'plugins', 'bundler'), path.join(dir, 'plugins', 'bundler'), { recursive: true });
  // Changed after signing: its attestation fails (modified), the graph shows it red.
  const bundler = path.join(dir, 'plugins', 'bundler', 'index.ts');
  await writeFile(bundler, `${await readFile(bundler, 'utf8')}\n// edited after signing\n`);
  await writeFile(
    path.join(dir, 'demo.pipeline.yaml'),
    [
      'name: registry-demo',
      'runtime: ^1.0.0',
      '',
      'plugins:',
      '  timing:',
      '    annotate: true',
      '',
      'steps:',
      '  - id: hello',
      '    run: echo',
      '    with:',
      '      message: hello',
      '  - id: mark',
      '    run: timing/mark',
      '    with:',
      '      label: done',
      '',
    ].join('\n'),
  );
  return dir;
}

async function main(): Promise<void> {
  setup();
  packageExtension({ reuse: process.argv.includes('--reuse') });
  ensureBuilt();

  step('Verdaccio with example plugins published by `aether plugins publish`');
  const registry = await startRegistry();
  const cache = await mkdtemp(path.join(os.tmpdir(), 'aether-e2e-npm-cache-'));
  const env = npmEnv(cache);
  const authoring = await authoringCopy();
  const keys = await generateKeys(authoring, 'keys');
  // A README to render on the detail page, with markup that must stay text.
  await writeFile(
    path.join(authoring, 'timing', 'README.md'),
    [
      '# timing',
      '',
      'Step and run durations, charted and kept in pipeline state.',
      '',
      '## Use',
      '',
      '```yaml',
      'plugins:',
      '  timing:',
      '    annotate: true',
      '```',
      '',
      '- `timing/mark` records a named mark',
      '- hooks on every step: **pre-execute**, **post-execute**',
      '',
      '<script>document.body.textContent = "injected"</script> [not a link](javascript:alert(1)) · [docs](https://example.com/timing)',
      '',
    ].join('\n'),
  );
  const published: string[] = [];
  for (const [name, signed] of [
    ['timing', true],
    ['metrics', true],
    ['notify-console', false],
  ] as const) {
    const result = await publish(path.join(authoring, name), registry.url, signed ? keys.key : undefined, env);
    if (result.code !== 0) throw new Error(`publishing ${name} failed (${result.code}):\n${result.stderr}`);
    published.push(`${name}${signed ? '' : ' (unsigned)'}`);
  }
  console.log(`  ${registry.url}: ${published.join(', ')}`);
  const workspace = await registryWorkspace(registry.url, keys.pub, keys.keyid);
  console.log(`  workspace ${workspace}`);

  const editor = await startEditor({
    workspace,
    profile: path.join(os.tmpdir(), 'aether-editor-profile-registry'),
    settings: { 'workbench.view.alwaysShowHeaderActions': true },
  });
  const browser = await launchBrowser();
  let page: Page | undefined;
  try {
    page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
    step('the extension activates without loading the registry bundle');
    await page.goto(editor.url);
    await page.locator('.monaco-workbench').waitFor({ timeout });
    const activation = await waitForLog(editor.userData, /AetherScript Studio activated in ([\d.]+) ms/);
    console.log(`  activation (constructor of Ctx): ${activation[1]} ms`);

    step("the Plugins view's Catalog lists the registry's plugins");
    await palette(page, 'AetherScript: Focus on Plugins View');
    const view = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Plugins' }) }).first();
    const rows = view.locator('.monaco-list-row');
    for (const name of ['timing', 'metrics', 'notify-console'])
      await rows
        .filter({ hasText: new RegExp(`^\\s*${name}`) })
        .first()
        .waitFor({ timeout });
    await waitForText(view, /Catalog[\s\S]*timing[\s\S]*verified/);
    await waitForText(view, /notify-console[\s\S]*unsigned/);
    const catalogLine = await waitForLog(editor.userData, /catalog: (\d+) plugins in (\d+) ms/);
    console.log(`  catalog: ${catalogLine[1]} plugins, searched and checked in ${catalogLine[2]} ms`);
    console.log(`  view: ${(await view.innerText()).replace(/\s+/g, ' ').slice(0, 400)}`);
    await shot(page, '11-plugins-catalog');

    step('the detail page of timing: README, commands, attestation, permissions, runtime range');
    await rows
      .filter({ hasText: /^\s*timing/ })
      .last()
      .click();
    const frame = await webview(page, 'Plugin: timing');
    const body = frame.locator('#app');
    await waitForText(body, /Attestation[\s\S]*verified[\s\S]*Runtime[\s\S]*\^1\.0\.0[\s\S]*Commands[\s\S]*mark[\s\S]*README/);
    await frame.locator('button', { hasText: 'Install' }).first().waitFor({ timeout });
    await frame.locator('.readme h2', { hasText: 'Use' }).first().waitFor({ timeout });
    if ((await frame.locator('.readme script, .readme a[href^="javascript"]').count()) > 0)
      throw new Error('the README was rendered with markup it must not have');
    await shot(page, '12-plugin-detail');
    await frame.locator('.readme').first().scrollIntoViewIfNeeded();
    await shot(page, '12b-plugin-readme');
    await frame.locator('h1').first().scrollIntoViewIfNeeded();

    step('Install adds it: Installed section, node_modules, aether.config.json');
    await frame.locator('button', { hasText: 'Install' }).first().click();
    await page
      .locator('.notifications-toasts', { hasText: /installed timing@1\.0\.\d+ \(verified\)/ })
      .first()
      .waitFor({ timeout: 180_000 });
    if (!existsSync(path.join(workspace, 'node_modules', 'timing', 'package.json'))) throw new Error('timing is not in node_modules');
    const config = JSON.parse(await readFile(path.join(workspace, 'aether.config.json'), 'utf8')) as { aether: { plugins?: unknown[] } };
    console.log(`  aether.config.json plugins: ${JSON.stringify(config.aether.plugins)}`);
    await waitForText(view, /Installed[\s\S]*timing[\s\S]*1\.0\.\d+ · verified[\s\S]*Catalog/);
    await waitForText(body, /installed 1\.0\.\d+/);
    await frame.locator('button', { hasText: 'Remove' }).first().waitFor({ timeout });
    await shot(page, '13-installed');

    step('it appears in Load Order, coloured by attestation');
    await palette(page, 'AetherScript: Show Load Order');
    const order = await webview(page, 'Load Order');
    await order.locator('svg.graph g.node[data-entry*="timing"]').first().waitFor({ timeout });
    await order.locator('svg.graph g.node.trust-verified[data-entry*="timing"]').first().waitFor({ timeout });
    await order.locator('svg.graph g.node.trust-failed[data-entry*="bundler"]').first().waitFor({ timeout });
    await order.locator('.legend').first().waitFor({ timeout });
    const tones = await order
      .locator('svg.graph g.node')
      .evaluateAll((nodes) =>
        nodes.map((n) => `${n.getAttribute('data-entry')?.split('/').slice(-3).join('/')}: ${n.getAttribute('class')}`),
      );
    console.log(`  nodes: ${tones.join(' | ')}`);
    await shot(page, '14-load-order-trust');

    step('completion offers its command after run:');
    await quickOpen(page, 'demo.pipeline.yaml');
    // The diagnostics settle once the server has indexed node_modules/timing: no error on timing/mark.
    const editorArea = page.locator('.editor-group-container.active .monaco-editor').first();
    await editorArea.locator('.view-line', { hasText: 'run: timing/mark' }).first().click();
    await page.keyboard.press('End');
    for (let i = 0; i < 'mark'.length; i++) await page.keyboard.press('Backspace');
    await page.keyboard.press('Control+Space');
    const suggest = page.locator('.editor-widget.suggest-widget.visible').first();
    await waitForText(suggest, /mark/);
    console.log(`  suggestions: ${(await suggest.innerText()).replace(/\s+/g, ' ').slice(0, 300)}`);
    await shot(page, '15-completion');
    await page.keyboard.press('Escape');
    console.log('\n✔ registry e2e passed');
  } catch (error) {
    if (page) await shot(page, 'registry-failure').catch(() => undefined);
    console.error(editor.output().slice(-3000));
    for (const log of findFiles(editor.userData, /AetherScript\.log$/))
      console.error(`── ${path.basename(log)} (last lines)\n${readFileSync(log, 'utf8').split('\n').slice(-60).join('\n')}`);
    console.error(registry.log().slice(-2000));
    throw error;
  } finally {
    await browser.close();
    editor.stop();
    await registry.dispose();
    if (!process.env.AETHER_KEEP_WORKSPACES)
      await Promise.all([workspace, authoring, cache].map((d) => rm(d, { recursive: true, force: true })));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
