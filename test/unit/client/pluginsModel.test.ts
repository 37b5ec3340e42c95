// The Plugins view's rows from catalog entries and installed plugins, the catalog filter, the update
// refusal put to the user, where catalog completion applies, and what a hostile README renders to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  catalogRow,
  editorReason,
  filterCatalog,
  installedRow,
  newerVersion,
  refusalPrompt,
  trustTone,
  updateFor,
  type CatalogEntry,
  type InstalledPlugin,
} from '../../../client/src/plugins/pluginsModel';
import { catalogCompletionContext, pluginOfDiagnostic } from '../../../client/src/plugins/completionContext';
import { renderReadme } from '../../../client/webview/readme';

const none = { fs: { read: [], write: [] }, env: [] };

function entry(over: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    name: 'timing',
    version: '1.1.0',
    description: 'Step durations',
    compatible: true,
    runtimeRange: '^1.0.0',
    attestation: { status: 'verified', keyId: 'abcdef0123456789abcd', message: 'Plugin timing@1.1.0 is verified.' },
    permissions: none,
    commands: ['mark'],
    registry: 'http://127.0.0.1:4873/',
    problems: [],
    ...over,
  };
}

function installed(over: Partial<InstalledPlugin> = {}): InstalledPlugin {
  return {
    name: 'timing',
    version: '1.0.3',
    source: 'node_modules',
    dir: '/w/node_modules/timing',
    entry: '/w/node_modules/timing/index.ts',
    packageName: 'timing',
    attestation: { status: 'verified' },
    permissions: none,
    commands: ['mark'],
    hooks: ['pre-execute'],
    ...over,
  };
}

test('trust tones: verified, nothing vouches, something is wrong', () => {
  assert.equal(trustTone('verified'), 'verified');
  for (const s of ['unsigned', 'unknown-key', 'unchecked', 'unavailable']) assert.equal(trustTone(s), 'unsigned', s);
  for (const s of ['bad-signature', 'modified', 'malformed', 'subject-mismatch', 'integrity-failed'])
    assert.equal(trustTone(s), 'failed', s);
});

test('versions compare numerically, a release after its pre-release', () => {
  assert.ok(newerVersion('1.10.0', '1.9.9'));
  assert.ok(!newerVersion('1.0.3', '1.0.3'));
  assert.ok(!newerVersion('1.0.2', '1.0.10'));
  assert.ok(newerVersion('2.0.0', '2.0.0-beta.1'));
  assert.ok(!newerVersion('2.0.0-beta.1', '2.0.0'));
});

test('a catalog row: version, status, installable', () => {
  const row = catalogRow(entry());
  assert.equal(row.label, 'timing');
  assert.equal(row.contextValue, 'catalog');
  assert.equal(row.icon.id, 'verified-filled');
  assert.match(row.description, /^1\.1\.0 · verified$/);
  assert.match(row.tooltip, /key `abcdef012345`/);
  assert.match(row.tooltip, /compatible with this runtime/);
  assert.match(row.tooltip, /commands: `mark`/);
});

test('catalog rows say installed, update available, incompatible and unsigned with its permissions', () => {
  assert.equal(catalogRow(entry({ installedVersion: '1.1.0' })).contextValue, 'catalog-installed');
  const update = catalogRow(entry({ installedVersion: '1.0.3' }));
  assert.equal(update.contextValue, 'catalog-update');
  assert.match(update.description, /installed 1\.0\.3, update available/);
  const incompatible = catalogRow(entry({ compatible: false, runtimeRange: '^2.0.0' }));
  assert.equal(incompatible.contextValue, 'catalog-unusable');
  assert.match(incompatible.description, /incompatible \(\^2\.0\.0\)/);
  assert.match(incompatible.tooltip, /\*\*not compatible\*\*/);
  const unsigned = catalogRow(
    entry({ attestation: { status: 'unsigned' }, permissions: { fs: { read: [], write: ['dist/'] }, env: ['REGION'] } }),
  );
  assert.equal(unsigned.icon.id, 'unverified');
  assert.match(unsigned.description, /unsigned · write dist\/ · env REGION/);
  const broken = catalogRow(entry({ attestation: { status: 'integrity-failed', message: 'altered' }, problems: ['altered'] }));
  assert.equal(broken.icon.id, 'error');
  assert.equal(broken.contextValue, 'catalog-unusable');
});

test('an installed row: status, update available from the catalog, local plugins never update', () => {
  const row = installedRow(installed(), [entry()]);
  assert.equal(row.contextValue, 'installed-npm-update');
  assert.match(row.description, /^1\.0\.3 · verified · update 1\.1\.0$/);
  assert.match(row.tooltip, /\*\*1\.1\.0\*\* is on the registry/);
  assert.equal(installedRow(installed({ version: '1.1.0' }), [entry()]).contextValue, 'installed-npm');
  const local = installedRow(installed({ source: 'local', packageName: undefined, attestation: { status: 'modified' } }), [entry()]);
  assert.equal(local.contextValue, 'installed-local');
  assert.equal(local.icon.id, 'error');
  assert.equal(updateFor(installed({ source: 'local' }), [entry()]), undefined);
  assert.equal(installedRow(installed({ problem: 'no static meta' })).icon.id, 'warning');
});

test('markdown in names and messages is escaped in tooltips', () => {
  const row = catalogRow(entry({ description: '[click](javascript:alert(1)) **bold**' }));
  assert.ok(!row.tooltip.includes('[click](javascript'), row.tooltip);
});

test('the catalog filter matches name, description and commands, verified and compatible first', () => {
  const list = [
    entry({ name: 'b-unsigned', attestation: { status: 'unsigned' }, commands: ['upload'] }),
    entry({ name: 'a-verified', commands: ['upload'] }),
    entry({ name: 'c-incompatible', compatible: false, commands: ['upload'] }),
    entry({ name: 'other', description: 'nothing', commands: ['x'] }),
  ];
  assert.deepEqual(
    filterCatalog(list, 'upload').map((e) => e.name),
    ['a-verified', 'b-unsigned', 'c-incompatible'],
  );
  assert.deepEqual(
    filterCatalog(list, 'NOTHING').map((e) => e.name),
    ['other'],
  );
  assert.equal(filterCatalog(list, '').length, 4);
});

test('an update refused for new permissions and a downgrade: both allowances, the diff, no CLI flags', () => {
  const prompt = refusalPrompt({
    name: 'timing',
    reason:
      'update of timing 1.0.3 → 1.1.0 refused: its attestation would go from verified to unknown-key (signed by another key); pass --allow-downgrade to accept that. it asks for permissions it did not have (write dist/); pass --allow-permissions to grant them.',
    diff: 'timing 1.0.3 → 1.1.0\n  attestation: verified → unknown-key\n  + permission write dist/',
  });
  assert.ok(prompt.allowDowngrade && prompt.allowPermissions);
  assert.match(prompt.message, /a lower attestation status and new permissions/);
  assert.match(prompt.detail, /\+ permission write dist\//);
  assert.ok(!prompt.detail.includes('--allow'), prompt.detail);
});

test('an update refused by policy require cannot be allowed from the editor', () => {
  const prompt = refusalPrompt({
    name: 'timing',
    reason: 'update of timing 1.0.3 → 1.1.0 refused: timing@1.1.0 is unsigned and aether.trust.policy is "require".',
    diff: 'timing 1.0.3 → 1.1.0',
  });
  assert.equal(prompt.allowDowngrade, false);
  assert.equal(prompt.allowPermissions, false);
  assert.match(prompt.message, /^The update of timing was refused\.$/);
  assert.equal(editorReason('x; pass --allow-permissions to grant them.'), 'x.');
});

test('catalog completion applies to keys of the top-level plugins: map and to run: values', () => {
  assert.deepEqual(catalogCompletionContext('  tim', ['plugins:', 'name: demo']), { kind: 'plugins', prefix: 'tim' });
  assert.deepEqual(catalogCompletionContext('  ', ['  other: {}', '  # a comment', '', 'plugins:']), { kind: 'plugins', prefix: '' });
  assert.equal(catalogCompletionContext('    ', ['  timing:', 'plugins:']), undefined);
  assert.equal(catalogCompletionContext('  ', ['env:']), undefined);
  assert.equal(catalogCompletionContext('  nested', ['  steps:', 'jobs:']), undefined);
  assert.deepEqual(catalogCompletionContext('  - run: timing/m', ['steps:']), { kind: 'run', prefix: 'timing/m' });
  assert.deepEqual(catalogCompletionContext('    run: "', ['  - id: a']), { kind: 'run', prefix: '' });
  assert.equal(catalogCompletionContext('    with: x', ['  - id: a']), undefined);
});

test('the plugin an unknown-plugin diagnostic names', () => {
  assert.equal(pluginOfDiagnostic('pipeline/unknown-plugin', 'Unknown plugin "timing": it is not installed…'), 'timing');
  assert.equal(
    pluginOfDiagnostic('pipeline/unknown-command', 'Unknown command "timing/mark": no plugin named "timing" is installed. Install it'),
    'timing',
  );
  assert.equal(pluginOfDiagnostic('pipeline/unknown-command', 'Plugin "timing" has no command "x".'), undefined);
  assert.equal(pluginOfDiagnostic('pipeline/unknown-key', 'Unknown plugin "x"'), undefined);
});

test('a hostile README renders without markup, scripts, unsafe links or remote images', () => {
  const html = renderReadme(
    [
      '# Title',
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '[js](javascript:alert(1)) [data](data:text/html,x) [ok](https://example.com/a)',
      '![logo](https://tracker.example/pixel.png)',
      '```js\nconst a = "<b>";\n```',
    ].join('\n\n'),
  );
  assert.match(html, /<h1>Title<\/h1>/);
  assert.ok(!/<script/i.test(html), html);
  assert.ok(!/<img/i.test(html), html);
  assert.ok(!/href="(javascript|data):/i.test(html), html);
  assert.match(html, /href="https:\/\/example\.com\/a" title="https:\/\/example\.com\/a"/);
  assert.match(html, /\[logo\]/);
  assert.match(html, /&lt;b&gt;/);
});
