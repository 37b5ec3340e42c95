// Compatibility ranges (issue 4): a plugin's `engines.aetherscript` (meta or package.json) and a
// pipeline's `runtime:` are checked against the runtime's version; outside the range is an input error
// (exit 2) naming both versions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createWorkspace, ofType, pluginModule, repoRoot, type Workspace } from '../runtime/workspace';

const RUNTIME_VERSION = (JSON.parse(readFileSync(path.join(repoRoot, 'runtime', 'package.json'), 'utf8')) as { version: string }).version;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('compatibility ranges', () => {
  let ws: Workspace;

  before(async () => {
    ws = await createWorkspace({
      plugins: {
        ok: pluginModule({ name: 'ok', version: '1.0.0', engines: { aetherscript: `^${RUNTIME_VERSION.split('.')[0]}.0.0` } }),
      },
      pipelines: {
        'ok.pipeline.yaml': 'name: ok\nsteps:\n  - id: a\n    run: ok\n',
        'future.pipeline.yaml': 'name: future\nruntime: ^9.0.0\nsteps:\n  - id: a\n    run: ok\n',
      },
    });
  });
  after(() => ws.dispose());

  test('a plugin whose meta.engines.aetherscript excludes this runtime is not loaded: exit 2, both versions named', async () => {
    await ws.write('plugins/future/index.ts', pluginModule({ name: 'future', version: '3.1.0', engines: { aetherscript: '^2.0.0' } }));
    try {
      const run = await ws.run(['run', 'ok.pipeline.yaml', '--json']);
      assert.equal(run.code, 2, run.stderr);
      const errors = ofType(run.events, 'plugin-error');
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0]!.plugin, 'future');
      assert.match(
        errors[0]!.message,
        new RegExp(`requires AetherScript \\^2\\.0\\.0 \\(meta\\.engines\\.aetherscript\\) but this runtime is ${escape(RUNTIME_VERSION)}`),
      );
      assert.deepEqual(
        ofType(run.events, 'plugin-load').map((e) => e.name),
        ['ok'],
      );
      assert.deepEqual(ofType(run.events, 'step-start'), []);
    } finally {
      await ws.remove('plugins/future');
    }
  });

  test('package.json engines.aetherscript counts when meta has none', async () => {
    await ws.write(
      'node_modules/future-pkg/package.json',
      JSON.stringify({
        name: 'future-pkg',
        version: '3.1.0',
        engines: { aetherscript: '^2.0.0' },
        aetherscript: { plugin: './index.mjs' },
      }),
    );
    await ws.write('node_modules/future-pkg/index.mjs', pluginModule({ name: 'future-pkg', version: '3.1.0' }));
    try {
      const run = await ws.run(['run', 'ok.pipeline.yaml']);
      assert.equal(run.code, 2, run.stdout);
      assert.match(
        run.stderr,
        new RegExp(
          `requires AetherScript \\^2\\.0\\.0 \\(package\\.json engines\\.aetherscript\\) but this runtime is ${escape(RUNTIME_VERSION)}`,
        ),
      );
    } finally {
      await ws.remove('node_modules/future-pkg');
    }
  });

  test('a pipeline whose runtime range excludes this runtime: exit 2, both versions named', async () => {
    const run = await ws.run(['run', 'future.pipeline.yaml', '--json']);
    assert.equal(run.code, 2, run.stderr);
    const end = ofType(run.events, 'run-end')[0]!;
    assert.match(
      end.error ?? '',
      new RegExp(`needs AetherScript \\^9\\.0\\.0 \\(runtime:\\) but the runtime is ${escape(RUNTIME_VERSION)}`),
    );
    assert.deepEqual(ofType(run.events, 'step-start'), []);
  });

  test('in range: runs', async () => {
    const run = await ws.run(['run', 'ok.pipeline.yaml', '--json']);
    assert.equal(run.code, 0, run.stderr);
  });
});
