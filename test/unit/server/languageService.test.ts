import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from '../../../server/src/service/languageService';
import { caret, memoryIndex, PLUGINS } from './helpers';

const URI = 'file:///ws/release.pipeline.yaml';

async function setup(textWithCaret: string) {
  const { index } = await memoryIndex(PLUGINS);
  const service = getLanguageService({ getIndex: () => index, getIndexes: () => [index] });
  const { text, offset } = textWithCaret.includes('|') ? caret(textWithCaret) : { text: textWithCaret, offset: 0 };
  const document = TextDocument.create(URI, 'aether-pipeline', 1, text);
  return { service, document, position: document.positionAt(offset), text, index };
}

const PIPELINE = [
  'name: nightly',
  'plugins:',
  '  s3-upload:',
  '    bucket: reports',
  'steps:',
  '  - id: build',
  '    run: bundle',
  '    with: { entry: src/main.ts }',
  '  - id: upload',
  '    run: s3-upload/upload',
  '    needs: [build]',
  '    with:',
  '      file: ${{ steps.build.output.path }}',
].join('\n');

const labels = (list: { items: Array<{ label: string }> }) => list.items.map((i) => i.label);

describe('language service', () => {
  it('validates with LSP diagnostics carrying code, source and range', async () => {
    const { service, document } = await setup('name: p\nsteps:\n  - id: a\n    run: uplaod\n');
    const diagnostics = service.doValidation(document);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]!.code, 'pipeline/unknown-command');
    assert.equal(diagnostics[0]!.source, 'aether');
    assert.deepEqual(diagnostics[0]!.range, { start: { line: 3, character: 9 }, end: { line: 3, character: 15 } });
    const fixes = service.getCodeActions(document, diagnostics[0]!.range, diagnostics);
    assert.equal(fixes[0]!.title, 'Change to "upload"');
    assert.equal(fixes[0]!.edit!.changes![URI]![0]!.newText, 'upload');
  });

  it('completes root keys, step keys and settings keys from the schema', async () => {
    let { service, document, position } = await setup('name: x\n|');
    assert.deepEqual(labels(service.doComplete(document, position)).sort(), [
      'description',
      'env',
      'plugins',
      'runtime',
      'settings',
      'steps',
    ]);
    ({ service, document, position } = await setup('name: x\nsteps:\n  - id: a\n    r|'));
    const stepKeys = labels(service.doComplete(document, position));
    assert.ok(stepKeys.includes('run') && stepKeys.includes('needs') && !stepKeys.includes('id'), stepKeys.join());
    ({ service, document, position } = await setup('name: x\nsettings:\n  |'));
    assert.deepEqual(labels(service.doComplete(document, position)).sort(), ['concurrency', 'memory', 'timeout']);
  });

  it('completes commands with their plugin and description', async () => {
    const { service, document, position } = await setup('name: x\nsteps:\n  - id: a\n    run: b|');
    const list = service.doComplete(document, position);
    const bundle = list.items.find((i) => i.label === 'bundle');
    assert.equal(bundle?.detail, 'fast-bundler');
    assert.ok(labels(list).includes('bundler/bundle'));
    assert.ok(labels(list).includes('upload'));
  });

  it('completes `with` keys from the input schema, needs ids, plugin names and config keys', async () => {
    let { service, document, position } = await setup('name: x\nsteps:\n  - id: a\n    run: bundler/bundle\n    with:\n      |');
    assert.deepEqual(labels(service.doComplete(document, position)).sort(), ['entry', 'minify']);
    ({ service, document, position } = await setup(
      'name: x\nsteps:\n  - id: a\n    run: notify\n  - id: b\n    run: notify\n    needs: [|]',
    ));
    assert.deepEqual(labels(service.doComplete(document, position)), ['a']);
    ({ service, document, position } = await setup('name: x\nplugins:\n  |'));
    assert.ok(labels(service.doComplete(document, position)).includes('s3-upload'));
    ({ service, document, position } = await setup('name: x\nplugins:\n  bundler:\n    |'));
    assert.deepEqual(labels(service.doComplete(document, position)), ['outDir']);
  });

  it('completes expression paths', async () => {
    const { service, document, position } = await setup(
      'name: x\nenv:\n  REGION: eu\nsteps:\n  - id: a\n    run: notify\n  - id: b\n    run: upload\n    with:\n      file: ${{ steps.|',
    );
    assert.deepEqual(labels(service.doComplete(document, position)), ['a']);
    const env = await setup('name: x\nenv:\n  REGION: eu\nsteps:\n  - id: a\n    run: upload\n    with:\n      file: ${{ env.|');
    assert.deepEqual(labels(env.service.doComplete(env.document, env.position)), ['REGION']);
  });

  it('hovers commands with override info, plugins with load position, steps with a summary', async () => {
    let { service, document, position } = await setup(PIPELINE.replace('run: bundle', 'run: bun|dle'));
    let hover = service.doHover(document, position);
    let value = (hover!.contents as { value: string }).value;
    assert.match(value, /plugin `fast-bundler`/);
    assert.match(value, /Overrides the `bundle` of `bundler`/);
    assert.match(value, /`entry`: string/);
    ({ service, document, position } = await setup(PIPELINE.replace('  s3-upload:', '  s3-up|load:')));
    value = (service.doHover(document, position)!.contents as { value: string }).value;
    assert.match(value, /\*\*s3-upload\*\* 1\.4\.0/);
    assert.match(value, /Loads at position 5/);
    ({ service, document, position } = await setup(PIPELINE.replace('id: build', 'id: bu|ild')));
    hover = service.doHover(document, position);
    assert.match((hover!.contents as { value: string }).value, /Needed by: `upload`/);
  });

  it('goes from a command to its plugin meta entry, and from needs/expressions to the step', async () => {
    let { service, document, position } = await setup(PIPELINE.replace('run: s3-upload/upload', 'run: s3-upload/up|load'));
    let links = service.findDefinition(document, position);
    assert.equal(links[0]!.targetUri, 'file:///ws/plugins/s3-upload/index.ts');
    assert.equal(links[0]!.targetRange.start.line, 3); // `upload:` inside meta.commands
    ({ service, document, position } = await setup(PIPELINE.replace('needs: [build]', 'needs: [bu|ild]')));
    links = service.findDefinition(document, position);
    assert.deepEqual(links[0]!.targetRange.start, { line: 5, character: 8 });
    ({ service, document, position } = await setup(PIPELINE.replace('steps.build.output', 'steps.bui|ld.output')));
    links = service.findDefinition(document, position);
    assert.deepEqual(links[0]!.targetRange.start, { line: 5, character: 8 });
  });

  it('finds references and renames a step id everywhere', async () => {
    const { service, document, position } = await setup(PIPELINE.replace('id: build', 'id: bu|ild'));
    assert.deepEqual(
      service.findReferences(document, position).map((l) => l.range.start.line),
      [5, 10, 12],
    );
    const edit = service.doRename(document, position, 'compile');
    const edits = edit!.changes![URI]!;
    const renamed = TextDocument.applyEdits(document, edits);
    assert.match(renamed, /id: compile/);
    assert.match(renamed, /needs: \[compile\]/);
    assert.match(renamed, /steps\.compile\.output\.path/);
    assert.equal(service.doRename(document, position, 'Not Valid'), null);
  });

  it('outlines steps and folds blocks', async () => {
    const { service, document } = await setup(PIPELINE);
    const symbols = service.findDocumentSymbols(document);
    const steps = symbols.find((s) => s.name === 'steps');
    assert.deepEqual(
      steps?.children?.map((c) => [c.name, c.detail]),
      [
        ['build', 'bundle'],
        ['upload', 's3-upload/upload'],
      ],
    );
    const folds = service.getFoldingRanges(document);
    assert.ok(
      folds.some((f) => f.startLine === 4 && f.endLine === 12),
      JSON.stringify(folds),
    );
  });

  it('adds a missing need as a quick fix', async () => {
    const { service, document } = await setup(
      'name: x\nsteps:\n  - id: a\n    run: notify\n  - id: b\n    run: upload\n    with:\n      file: ${{ steps.a.output }}\n',
    );
    const diagnostics = service.doValidation(document).filter((d) => d.code === 'expression/not-upstream');
    assert.equal(diagnostics.length, 1);
    const fix = service.getCodeActions(document, diagnostics[0]!.range, diagnostics).find((a) => a.title === 'Add "a" to needs');
    const fixed = TextDocument.applyEdits(document, fix!.edit!.changes![URI]!);
    assert.match(fixed, /- id: b\n {4}needs: \[a\]\n/);
  });

  it('validates plugin sources and returns the load order', async () => {
    const { service, index } = await setup(PIPELINE);
    const doc = TextDocument.create('file:///ws/plugins/legacy/index.ts', 'typescript', 1, PLUGINS.legacy!);
    assert.deepEqual(
      service.doValidation(doc).map((d) => d.code),
      ['plugin/incompatible-engine'],
    );
    const [order] = service.getLoadOrder();
    assert.equal(order!.folder, index.root);
    assert.deepEqual(
      order!.plugins.filter((p) => p.dependencies.length > 0).map((p) => [p.name, p.dependencies]),
      [
        ['fast-bundler', ['bundler']],
        ['s3-upload', ['aws-auth']],
      ],
    );
    assert.deepEqual(
      order!.plugins.map((p) => [p.order, p.name]),
      [
        [0, 'aws-auth'],
        [1, 'bundler'],
        [2, 'fast-bundler'],
        [3, 'notify'],
        [4, 's3-upload'],
      ],
    );
    assert.deepEqual(order!.overrides, [{ command: 'bundle', winner: 'fast-bundler', shadowed: ['bundler'] }]);
    assert.deepEqual(
      order!.notLoaded.map((p) => p.name),
      ['legacy'],
    );
  });
});
