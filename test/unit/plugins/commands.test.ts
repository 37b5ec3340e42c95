import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { OrderedPlugin } from '../../../runtime/src/model/catalog';
import type { PluginMeta } from '../../../runtime/src/model/plugin';
import { buildCommandTable, resolveCommand, describeOverrides, splitCommandRef } from '../../../runtime/src/plugins';

function loaded(metas: PluginMeta[]): OrderedPlugin[] {
  return metas.map((meta, order) => ({
    entry: path.join(path.sep, 'ws', 'plugins', meta.name, 'index.ts'),
    dir: '',
    source: 'local',
    meta,
    order,
    reason: '',
  }));
}

const input = { type: 'object' };
const plugins = loaded([
  { name: 'aws', version: '1.0.0', commands: { upload: { description: 'AWS upload', input }, login: {} } },
  { name: 'gcs', version: '1.0.0', commands: { upload: { description: 'GCS upload' } } },
  { name: '@acme/s3', version: '1.0.0', commands: { upload: {}, sync: {} } },
  { name: 'lint', version: '1.0.0', description: 'Lints' },
  { name: '@acme/deploy', version: '1.0.0' },
  { name: 'hooks-only', version: '1.0.0', commands: {}, hooks: ['pre-execute'] },
]);
const table = buildCommandTable(plugins);

test('the last-loaded plugin wins an unqualified name; shadows in load order', () => {
  assert.deepEqual(resolveCommand(table, 'upload'), { command: 'upload', plugin: '@acme/s3', shadows: ['aws', 'gcs'] });
  assert.deepEqual(resolveCommand(table, 'login'), { command: 'login', plugin: 'aws', shadows: [] });
});

test('load order, not list order, decides', () => {
  const reversed = buildCommandTable([...plugins].reverse());
  assert.equal(resolveCommand(reversed, 'upload')?.plugin, '@acme/s3');
});

test('qualified names always reach the plugin’s own command, scoped names included', () => {
  assert.deepEqual(resolveCommand(table, 'aws/upload'), {
    command: 'upload',
    plugin: 'aws',
    description: 'AWS upload',
    input,
    shadows: [],
  });
  assert.equal(resolveCommand(table, 'gcs/upload')?.description, 'GCS upload');
  assert.equal(resolveCommand(table, '@acme/s3/sync')?.plugin, '@acme/s3');
  assert.equal(resolveCommand(table, 'gcs/login'), undefined);
  assert.equal(resolveCommand(table, 'nope'), undefined);
});

test('a plugin without commands provides its own name; commands: {} provides none', () => {
  assert.deepEqual(resolveCommand(table, 'lint'), { command: 'lint', plugin: 'lint', description: 'Lints', shadows: [] });
  assert.equal(resolveCommand(table, 'lint/lint')?.plugin, 'lint');
  assert.equal(resolveCommand(table, '@acme/deploy')?.plugin, '@acme/deploy');
  assert.equal(resolveCommand(table, '@acme/deploy/@acme/deploy')?.plugin, '@acme/deploy');
  assert.ok(![...table.qualified.keys()].some((k) => k.startsWith('hooks-only/')));
});

test('describeOverrides lists each overridden command once', () => {
  assert.deepEqual(describeOverrides(table), [{ command: 'upload', winner: '@acme/s3', shadowed: ['aws', 'gcs'] }]);
});

test('splitCommandRef splits at the last slash; a bare scoped name has no plugin part', () => {
  assert.deepEqual(splitCommandRef('upload'), { command: 'upload' });
  assert.deepEqual(splitCommandRef('aws/upload'), { plugin: 'aws', command: 'upload' });
  assert.deepEqual(splitCommandRef('@acme/s3/sync'), { plugin: '@acme/s3', command: 'sync' });
  assert.deepEqual(splitCommandRef('@acme/deploy'), { command: '@acme/deploy' });
});
