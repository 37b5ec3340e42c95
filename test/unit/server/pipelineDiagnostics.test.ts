import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { validatePipelineText } from '../../../runtime/src/workspace/pipelineDiagnostics';
import { memoryIndex, pluginSource, PLUGINS } from './helpers';

const FILE = '/ws/release.pipeline.yaml';

async function check(text: string, plugins = PLUGINS, options = {}) {
  const { index } = await memoryIndex(plugins);
  const diagnostics = validatePipelineText(text, FILE, index, options);
  return diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    at: text.slice(d.range!.start, d.range!.end),
    line: d.range!.line,
    message: d.message,
  }));
}

const lines = (...l: string[]) => l.join('\n') + '\n';

describe('validatePipelineText', () => {
  it('accepts a valid pipeline that uses plugins', async () => {
    const text = lines(
      'name: nightly',
      'plugins:',
      '  s3-upload:',
      '    bucket: reports',
      'steps:',
      '  - id: build',
      '    run: bundler/bundle',
      '    with: { entry: src/main.ts }',
      '  - id: upload',
      '    run: upload',
      '    needs: [build]',
      '    with:',
      '      file: ${{ steps.build.output.path }}',
    );
    assert.deepEqual(await check(text), []);
  });

  it('reports unknown commands with did-you-mean, on the run value', async () => {
    const text = lines(
      'name: p',
      'steps:',
      '  - id: a',
      '    run: uplaod',
      '  - id: b',
      '    run: bundler/bundel',
      '  - id: c',
      '    run: s3-uplod/upload',
    );
    const result = await check(text);
    assert.deepEqual(
      result.map((d) => [d.code, d.at, d.line]),
      [
        ['pipeline/unknown-command', 'uplaod', 4],
        ['pipeline/unknown-command', 'bundler/bundel', 6],
        ['pipeline/unknown-command', 's3-uplod/upload', 8],
      ],
    );
    assert.match(result[0]!.message, /Did you mean "upload"\?/);
    assert.match(result[1]!.message, /Did you mean "bundle"\?/);
    assert.match(result[2]!.message, /Did you mean "s3-upload"\?/);
  });

  it('says which plugin wins an overridden command', async () => {
    const text = lines(
      'name: p',
      'steps:',
      '  - id: a',
      '    run: bundle',
      '    with: { entry: x }',
      '  - id: b',
      '    run: bundler/bundle',
      '    with: { entry: x }',
    );
    const result = await check(text);
    assert.deepEqual(
      result.map((d) => [d.code, d.severity, d.at]),
      [['pipeline/command-override', 'info', 'bundle']],
    );
    assert.match(result[0]!.message, /"fast-bundler".*overrides.*"bundler".*bundler\/bundle/);
  });

  it('checks `with` against the input schema, skipping expressions', async () => {
    const text = lines(
      'name: p',
      'steps:',
      '  - id: a',
      '    run: bundler/bundle',
      '    with:',
      '      entyr: src/main.ts',
      '      minify: yes please',
      '  - id: b',
      '    run: bundler/bundle',
      '    needs: [a]',
      '    with: { entry: "${{ steps.a.output.x }}", minify: "${{ env.MIN }}" }',
      '  - id: c',
      '    run: upload',
    );
    const result = (await check(text)).filter((d) => d.code.startsWith('pipeline/'));
    assert.deepEqual(
      result.map((d) => [d.code, d.at]),
      [
        ['pipeline/step-input', 'with'],
        ['pipeline/step-input', 'entyr'],
        ['pipeline/step-input', 'yes please'],
        ['pipeline/step-input', 'upload'],
        ['pipeline/plugin-config', 'upload'],
      ],
    );
    assert.match(result[0]!.message, /Missing input "entry"/);
    assert.match(result[1]!.message, /Did you mean "entry"/);
    assert.match(result[4]!.message, /needs a config block with bucket/);
  });

  it('checks plugin blocks: unknown plugin, config schema, plugins that would not load', async () => {
    const text = lines(
      'name: p',
      'plugins:',
      '  bundlr: {}',
      '  bundler:',
      '    outDri: dist',
      '  legacy:',
      'steps:',
      '  - id: a',
      '    run: legacy',
    );
    const result = await check(text);
    assert.deepEqual(
      result.map((d) => [d.code, d.at]),
      [
        ['pipeline/unknown-plugin', 'bundlr'],
        ['pipeline/plugin-config', 'outDri'],
        ['pipeline/plugin-load', 'legacy'],
        ['pipeline/plugin-load', 'legacy'],
      ],
    );
    assert.match(result[0]!.message, /Did you mean "bundler"/);
    assert.match(result[2]!.message, /requires AetherScript \^0\.9\.0/);
    assert.equal(result[3]!.line, 9);
  });

  it('surfaces a dependency problem on the step using the plugin', async () => {
    const plugins = { ...PLUGINS, 'aws-auth': pluginSource(`{ name: 'aws-auth', version: '1.0.0' }`) };
    const text = lines(
      'name: p',
      'plugins:',
      '  s3-upload: { bucket: b }',
      'steps:',
      '  - id: a',
      '    run: s3-upload/upload',
      '    with: { file: x }',
    );
    const result = await check(text, plugins);
    assert.deepEqual(
      result.map((d) => [d.code, d.at]),
      [
        ['pipeline/plugin-load', 's3-upload'],
        ['pipeline/plugin-load', 's3-upload/upload'],
      ],
    );
    assert.match(result[1]!.message, /needs "aws-auth" \^2\.0\.0 but 1\.0\.0 is installed/);
  });

  it('checks the runtime range against the runtime version', async () => {
    const text = lines('name: p', 'runtime: ^2.0.0', 'steps:', '  - id: a', '    run: notify');
    assert.deepEqual(
      (await check(text, PLUGINS, { runtimeVersion: '1.2.0' })).map((d) => [d.code, d.at]),
      [['pipeline/runtime-range', '^2.0.0']],
    );
    assert.deepEqual(await check(text.replace('^2.0.0', '^1.0.0'), PLUGINS, { runtimeVersion: '1.2.0' }), []);
  });

  it('honours aether-ignore comments and severity overrides', async () => {
    const text = lines(
      'name: p',
      'steps:',
      '  - id: a',
      '    # aether-ignore: pipeline/unknown-command',
      '    run: nope',
      '  - id: b',
      '    run: nope2 # aether-ignore: pipeline/unknown-command',
      '  - id: c',
      '    run: nope3',
    );
    assert.deepEqual(
      (await check(text)).map((d) => d.at),
      ['nope3'],
    );
    const downgraded = await check(text, PLUGINS, { severities: { 'pipeline/unknown-command': 'warning' } });
    assert.equal(downgraded[0]!.severity, 'warning');
    assert.deepEqual(await check(text, PLUGINS, { severities: { 'pipeline/unknown-command': 'off' } }), []);
  });

  it('keeps the runtime parser diagnostics (schema, needs, expressions)', async () => {
    const text = lines('name: p', 'stesp: []', 'steps:', '  - id: a', '    run: notify', '    needs: [zz]');
    const codes = (await check(text)).map((d) => d.code);
    assert.ok(codes.includes('pipeline/unknown-key'), codes.join());
    assert.ok(codes.includes('pipeline/unknown-need'), codes.join());
  });
});
