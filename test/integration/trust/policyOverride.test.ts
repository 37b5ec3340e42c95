// The editor's trust setting overrides the workspace's policy, and under `require` an unsigned
// plugin's code never runs: not even its module's top level (which may write its marker, so that a
// missing marker means it did not run, not that it was denied).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runPipeline } from '../../../runtime/src/index';
import { defaultBundles } from '../../../runtime/src/engine/runtimePaths';

const bundles = defaultBundles(path.resolve(__dirname, '../../../runtime/dist'));

test('trustPolicy "require" from the embedder: an unsigned plugin is refused before any of its code runs', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'aether-policy-'));
  const marker = path.join(root, 'top-level-ran.txt');
  mkdirSync(path.join(root, 'plugins', 'eager'), { recursive: true });
  writeFileSync(path.join(root, 'aether.config.json'), JSON.stringify({ aether: { trust: { policy: 'warn' } } }));
  writeFileSync(
    path.join(root, 'plugins', 'eager', 'index.mjs'),
    `import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(marker)}, 'ran');
export default class Eager { static meta = { name: 'eager', version: '1.0.0', permissions: { fs: { write: ['top-level-ran.txt'] } } }; async execute() { return 1; } }`,
  );
  writeFileSync(path.join(root, 'p.pipeline.yaml'), 'name: p\nsteps:\n  - id: go\n    run: eager\n');

  const refused = await runPipeline({ file: path.join(root, 'p.pipeline.yaml'), bundles, trustPolicy: 'require' });
  assert.equal(refused.exitCode, 2);
  assert.ok(refused.diagnostics.some((d) => d.code === 'plugin/attestation' && /unsigned/.test(d.message)));
  assert.equal(existsSync(marker), false, "the plugin's module was never evaluated");

  // The workspace's own policy (warn) loads it, with a warning.
  const warned = await runPipeline({ file: path.join(root, 'p.pipeline.yaml'), bundles });
  assert.equal(warned.exitCode, 0);
  assert.equal(existsSync(marker), true);
});
