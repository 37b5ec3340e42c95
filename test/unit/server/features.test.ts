// The features added for issue 5's remaining list: hook names in plugin meta, `state.` keys, hover on
// expressions, the "remove unknown key" and "add the plugin block" fixes, plugin package.json diagnostics.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from '../../../server/src/service/languageService';
import { validatePluginPackageJson } from '../../../runtime/src/workspace/pluginPackage';
import { caret, memoryIndex, PLUGINS, pluginSource } from './helpers';

const URI = 'file:///ws/f.pipeline.yaml';

async function setup(textWithCaret: string, uri = URI, extra: Record<string, string> = {}) {
  const { index } = await memoryIndex({ ...PLUGINS, ...extra });
  const service = getLanguageService({ getIndex: () => index });
  const { text, offset } = caret(textWithCaret);
  const document = TextDocument.create(uri, 'x', 1, text);
  return { service, document, position: document.positionAt(offset), index };
}

describe('issue 5 features', () => {
  it('completes hook names inside meta.hooks of a plugin source', async () => {
    const source =
      "export default class P {\n  static meta = { name: 'p', version: '1.0.0', hooks: ['pre-execute', '|'] };\n  async execute() {}\n  async onHook() {}\n}\n";
    const { service, document, position } = await setup(source, 'file:///ws/plugins/p/index.ts');
    const labels = service.doComplete(document, position).items.map((i) => i.label);
    assert.ok(labels.includes('post-failure') && labels.includes('pipeline-end'), labels.join());
    assert.ok(!labels.includes('pre-execute'), 'already listed');
  });

  it('completes state. keys that plugins get or set', async () => {
    const stateful = pluginSource(
      "{ name: 'stateful', version: '1.0.0' }",
      "async execute(ctx) { ctx.state.set('lastUpload', 1); return ctx.state.get('token'); }",
    );
    const { service, document, position } = await setup(
      'name: x\nsteps:\n  - id: a\n    run: notify\n    with:\n      v: ${{ state.| }}\n',
      URI,
      { stateful },
    );
    const labels = service.doComplete(document, position).items.map((i) => i.label);
    assert.deepEqual(labels.sort(), ['lastUpload', 'token']);
  });

  it('hovers on an expression: the step it reads and whether it is upstream', async () => {
    const { service, document, position } = await setup(
      'name: x\nsteps:\n  - id: build\n    run: bundle\n    with: { entry: a }\n  - id: up\n    run: notify\n    needs: [build]\n    with:\n      v: ${{ steps.bu|ild.output }}\n',
    );
    const hover = service.doHover(document, position);
    const text = JSON.stringify(hover?.contents);
    assert.match(text, /Step `build`\*\* runs `bundle` \(plugin `fast-bundler`\)/);
    assert.match(text, /`up` needs it/);
  });

  it('quick fix: remove an unknown key with its value', async () => {
    const { service, document } = await setup('|name: x\nsteps:\n  - id: a\n    run: notify\n    colour:\n      - red\n    timeout: 5s\n');
    const diagnostics = service.doValidation(document).filter((d) => d.code === 'pipeline/unknown-key');
    assert.equal(diagnostics.length, 1);
    const fix = service.getCodeActions(document, diagnostics[0]!.range, diagnostics).find((a) => a.title === 'Remove unknown key "colour"');
    assert.ok(fix, 'offered');
    assert.equal(
      TextDocument.applyEdits(document, fix.edit!.changes![URI]!),
      'name: x\nsteps:\n  - id: a\n    run: notify\n    timeout: 5s\n',
    );
  });

  it('quick fix: add the plugin block a used plugin needs', async () => {
    const { service, document } = await setup('|name: x\nsteps:\n  - id: a\n    run: s3-upload/upload\n    with: { file: f }\n');
    const diagnostics = service.doValidation(document).filter((d) => d.code === 'pipeline/plugin-config');
    assert.equal(diagnostics.length, 1, JSON.stringify(service.doValidation(document)));
    const fix = service
      .getCodeActions(document, diagnostics[0]!.range, diagnostics)
      .find((a) => a.title.startsWith('Add the config block'));
    assert.ok(fix, 'offered');
    const fixed = TextDocument.applyEdits(document, fix.edit!.changes![URI]!);
    assert.equal(
      fixed,
      'name: x\nplugins:\n  s3-upload:\n    bucket: \nsteps:\n  - id: a\n    run: s3-upload/upload\n    with: { file: f }\n',
    );
  });

  it('plugin package.json: bad JSON and a missing plugin entry, with ranges', async () => {
    const { index } = await memoryIndex(PLUGINS);
    const bad = validatePluginPackageJson('{ "name": "p", "aetherscript": { "plugin": ', '/ws/plugins/p/package.json', index);
    assert.deepEqual(
      bad.map((d) => d.code),
      ['plugin/bad-package-json'],
    );
    const noEntry = validatePluginPackageJson('{\n  "name": "p",\n  "aetherscript": {}\n}\n', '/ws/plugins/p/package.json', index);
    assert.deepEqual(
      noEntry.map((d) => [d.code, d.range?.line]),
      [['plugin/no-entry', 3]],
    );
    const outside = validatePluginPackageJson('{ "aetherscript": { "plugin": "../x.js" } }', '/ws/node_modules/p/package.json', index);
    assert.deepEqual(
      outside.map((d) => d.code),
      ['plugin/bad-package-json'],
    );
    assert.deepEqual(validatePluginPackageJson('{ "name": "unrelated" ', '/ws/node_modules/q/package.json', index), []);
  });
});
