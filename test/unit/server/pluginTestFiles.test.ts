// The language service on a plugin's own test files (`test/*.bench.yaml`, `test/*.sandbox.yaml`):
// diagnostics from the runtime's schema with positions, then the plugin's commands and their input
// schemas; completion of keys, commands and input keys. And the benchmark figures in the meta hover.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CompletionList, Diagnostic } from 'vscode-languageserver-types';
import { getLanguageService } from '../../../server/src/service/languageService';
import type { PluginBenchFigures } from '../../../server/src/service/benchFigures';
import { pluginTestFileKind } from '../../../server/src/service/pluginTestFiles';
import { caret, memoryIndex, PLUGINS } from './helpers';

const BENCH_URI = 'file:///ws/plugins/bundler/test/bundle.bench.yaml';
const SANDBOX_URI = 'file:///ws/plugins/bundler/test/bundle.sandbox.yaml';

async function service(figures?: PluginBenchFigures) {
  const { index } = await memoryIndex(PLUGINS);
  return getLanguageService({ getIndex: () => index, readBenchFigures: () => figures });
}

async function diagnose(uri: string, text: string): Promise<Diagnostic[]> {
  return (await service()).doValidation(TextDocument.create(uri, 'yaml', 1, text));
}

async function complete(uri: string, marked: string): Promise<CompletionList> {
  const { text, offset } = caret(marked);
  const document = TextDocument.create(uri, 'yaml', 1, text);
  return (await service()).doComplete(document, document.positionAt(offset));
}

const message = (d: Diagnostic | undefined) => (typeof d?.message === 'string' ? d.message : (d?.message.value ?? ''));
const labels = (list: CompletionList) => list.items.map((item) => item.label).sort();

describe('plugin test files: which files', () => {
  it('is a bench or sandbox file only in a test/ folder', () => {
    assert.equal(pluginTestFileKind('/ws/plugins/p/test/a.bench.yaml'), 'bench');
    assert.equal(pluginTestFileKind('C:\\ws\\p\\test\\a.sandbox.yml'), 'sandbox');
    assert.equal(pluginTestFileKind('/ws/plugins/p/a.bench.yaml'), undefined);
    assert.equal(pluginTestFileKind('/ws/release.pipeline.yaml'), undefined);
  });
});

describe('plugin test files: diagnostics', () => {
  it('reports schema problems where they are, with the runtime’s messages', async () => {
    const text = 'plugin: ../index.ts\nbenchmarks:\n  - name: one\n    command: bundle\n    tiem: 1s\n';
    const [problem, ...rest] = await diagnose(BENCH_URI, text);
    assert.equal(rest.length, 0);
    assert.equal(problem?.code, 'bench/unknown-key');
    assert.match(message(problem), /unknown key "tiem".*Did you mean "time"\?/);
    assert.deepEqual(problem.range.start, { line: 4, character: 4 });
  });

  it('a command the plugin does not have, with a suggestion, on the command value', async () => {
    const text = 'plugin: ../index.ts\nbenchmarks:\n  - name: one\n    command: bundel\n';
    const [problem] = await diagnose(BENCH_URI, text);
    assert.equal(problem?.code, 'bench/unknown-command');
    assert.match(message(problem), /plugin bundler has no command "bundel".*"bundle"/);
    assert.deepEqual(problem.range.start, { line: 3, character: 13 });
  });

  it('input checked against the command’s input schema, at the offending value', async () => {
    const text =
      'plugin: ../index.ts\nbenchmarks:\n  - name: one\n    command: bundle\n    input:\n      entry: src/a.ts\n      minify: yes please\n';
    const [problem, ...rest] = await diagnose(BENCH_URI, text);
    assert.equal(rest.length, 0);
    assert.equal(problem?.code, 'bench/invalid-input');
    assert.match(message(problem), /"minify" must be boolean/);
    assert.equal(problem.range.start.line, 6);
    const missing = await diagnose(BENCH_URI, 'plugin: ../index.ts\nbenchmarks:\n  - name: one\n    command: bundler/bundle\n');
    assert.match(message(missing[0]), /missing required key "entry"/);
  });

  it('warns when no plugin of the workspace has the entry named by plugin:', async () => {
    const [problem] = await diagnose(BENCH_URI, 'plugin: ../main.ts\nbenchmarks:\n  - name: one\n    command: bundle\n');
    assert.equal(problem?.code, 'bench/unknown-plugin');
    assert.equal(problem.severity, 2);
    assert.deepEqual(problem.range.start, { line: 0, character: 8 });
  });

  it('sandbox files get the same checks', async () => {
    const text = 'plugin: ../index.ts\ncases:\n  - name: one\n    command: clen\n    expect: { status: ok }\n';
    const [problem] = await diagnose(SANDBOX_URI, text);
    assert.equal(problem?.code, 'sandbox/unknown-command');
    assert.match(message(problem), /Did you mean "clean"\?/);
    const schema = await diagnose(
      SANDBOX_URI,
      'plugin: ../index.ts\ncases:\n  - name: one\n    command: clean\n    expect: { status: maybe }\n',
    );
    assert.equal(schema[0]?.range.start.line, 4);
  });

  it('a valid file has no diagnostics', async () => {
    const text = 'plugin: ../index.ts\nbenchmarks:\n  - name: one\n    command: bundle\n    input: { entry: a.ts }\n    iterations: 10\n';
    assert.deepEqual(await diagnose(BENCH_URI, text), []);
  });
});

describe('plugin test files: completion', () => {
  it('the plugin’s commands after command:', async () => {
    const list = await complete(BENCH_URI, 'plugin: ../index.ts\nbenchmarks:\n  - name: one\n    command: |\n');
    assert.deepEqual(labels(list), ['bundle', 'clean']);
    assert.equal(list.items.find((i) => i.label === 'bundle')?.detail, 'bundler');
  });

  it('input keys from the command’s input schema, block style, without the ones written', async () => {
    const list = await complete(
      BENCH_URI,
      'plugin: ../index.ts\nbenchmarks:\n  - name: one\n    command: bundle\n    input:\n      minify: true\n      |\n',
    );
    assert.deepEqual(labels(list), ['entry']);
    assert.equal(list.items[0]?.detail, 'required');
  });

  it('input keys in flow style', async () => {
    const list = await complete(SANDBOX_URI, 'plugin: ../index.ts\ncases:\n  - name: one\n    command: bundle\n    input: { en|\n');
    assert.deepEqual(labels(list), ['entry', 'minify']);
    const edit = list.items[0]?.textEdit as { range: { start: { character: number } }; newText: string };
    assert.equal(edit.range.start.character, 13);
  });

  it('benchmark keys from the schema, and top-level keys', async () => {
    const keys = labels(await complete(BENCH_URI, 'plugin: ../index.ts\nbenchmarks:\n  - name: one\n    |\n'));
    for (const key of ['command', 'input', 'time', 'iterations', 'warmup', 'state']) assert.ok(keys.includes(key), key);
    assert.ok(!keys.includes('name'), 'name is already written');
    assert.ok(!keys.includes('expect'), 'expect is a sandbox key');
    assert.ok(labels(await complete(SANDBOX_URI, 'plugin: ../index.ts\ncases:\n  - name: one\n    |\n')).includes('expect'));
    assert.deepEqual(labels(await complete(BENCH_URI, 'plugin: ../index.ts\n|\n')), ['benchmarks']);
  });
});

describe('hover over static meta: benchmark figures', () => {
  const figures = (signed: boolean): PluginBenchFigures => {
    const f = {
      samples: 100,
      meanMs: 0.003,
      medianMs: 0.0025,
      p95Ms: 0.004,
      p99Ms: 0.006,
      opsPerSec: 333333,
      moeMs: 0.0001,
      peakHeapBytes: 1,
      heapGrowthBytes: 0,
    };
    return {
      signed,
      figures: {
        time: '2026-12-01T10:00:00.000Z',
        source: 'run',
        library: 'tinybench',
        machine: { platform: 'linux', arch: 'x64', cpu: 'Test CPU', cores: 2, node: 'v20.1.0' },
        reference: { ...f, medianMs: 0.0005 },
        benchmarks: [
          { name: 'bundles a | file', status: 'ok', ...f, ratio: 5 },
          { name: 'breaks', status: 'failed', ...f, error: 'boom' },
        ],
      },
    };
  };
  const hover = async (given: PluginBenchFigures | undefined) => {
    const text = PLUGINS.bundler!;
    const document = TextDocument.create('file:///ws/plugins/bundler/index.ts', 'typescript', 1, text);
    const result = (await service(given)).doHover(document, document.positionAt(text.indexOf('version')));
    return typeof result?.contents === 'object' && 'value' in result.contents ? result.contents.value : '';
  };

  it('shows signed figures as a table, each beside the reference no-op', async () => {
    const text = await hover(figures(true));
    assert.match(text, /\*\*Benchmarks\*\*, signed with the plugin/);
    assert.match(text, /measured 2026-12-01 10:00:00 UTC on Test CPU, 2 cores, Node 20\.1\.0, reference no-op 500 ns/);
    assert.match(text, /\| bundles a \\\| file \| 2\.50 µs \| 6\.00 µs \| 333,333 \| 5\.0x \|/);
    assert.match(text, /\| breaks \| failed \|/);
  });

  it('says when the figures are not signed, and shows none when there are none', async () => {
    assert.match(await hover(figures(false)), /not signed: the latest `aether dev plugin-bench` run/);
    assert.doesNotMatch(await hover(undefined), /Benchmarks/);
  });
});
