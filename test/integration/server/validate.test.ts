// `aether validate` runs the same checks as the language server (runtime/src/workspace/, in the worker
// runtime/dist/validateWorker.js): the codes and lines
// examples/broken/README.md announces, no errors on the shipped examples, plugin package.json and
// source files, and never any plugin code executed.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const repo = path.resolve(__dirname, '../../..');
const CLI = path.join(repo, 'runtime/bin/aether.js');
const examples = path.join(repo, 'examples');
const broken = path.join(examples, 'broken');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}
interface Report {
  files: Array<{
    file: string;
    diagnostics: Array<{ code: string; severity: string; message: string; file?: string; range?: { line: number } }>;
  }>;
  errorCount: number;
}

function aether(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** examples/broken/README.md's table: file → code and line. */
const EXPECTED: Record<string, { code: string; line?: number; name?: string }> = {
  'yaml-syntax.pipeline.yaml': { code: 'yaml/syntax', line: 7 },
  'typo-key.pipeline.yaml': { code: 'pipeline/unknown-key', line: 12, name: 'nedds' },
  'missing-name.pipeline.yaml': { code: 'pipeline/missing-key', name: 'name' },
  'bad-step-id.pipeline.yaml': { code: 'pipeline/invalid-value', line: 6 },
  'duplicate-step-id.pipeline.yaml': { code: 'pipeline/duplicate-step-id', line: 9 },
  'unknown-need.pipeline.yaml': { code: 'pipeline/unknown-need', line: 11, name: 'biuld' },
  'need-cycle.pipeline.yaml': { code: 'pipeline/need-cycle', name: 'a -> c -> b -> a' },
  'unknown-command.pipeline.yaml': { code: 'pipeline/unknown-command', line: 6 },
  'unknown-step-expression.pipeline.yaml': { code: 'expression/unknown-step', line: 13, name: 'nope' },
  'expression-syntax.pipeline.yaml': { code: 'expression/syntax', line: 13 },
  'expression-unclosed.pipeline.yaml': { code: 'expression/syntax', line: 13 },
  'not-upstream.pipeline.yaml': { code: 'expression/not-upstream', line: 18, name: 'build' },
};

describe('aether validate through the language service', { timeout: 120_000 }, () => {
  before(() => {
    assert.ok(existsSync(path.join(repo, 'runtime/dist/validateWorker.js')), 'build first: node esbuild.js');
  });

  it('examples/broken: each file its code and line, the broken plugins too, exit 2', async () => {
    const files = readdirSync(broken)
      .filter((f) => f.endsWith('.pipeline.yaml'))
      .sort();
    const result = await aether(['validate', ...files, '--json'], broken);
    assert.equal(result.code, 2, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.deepEqual(
      report.files.map((f) => path.basename(f.file)),
      files,
    );
    for (const [name, expected] of Object.entries(EXPECTED)) {
      const entry = report.files.find((f) => path.basename(f.file) === name);
      assert.ok(entry, name);
      // The pipeline's own diagnostics (the workspace's plugin errors are in other files).
      const own = entry.diagnostics.filter((d) => d.file === entry.file);
      assert.deepEqual([...new Set(own.map((d) => d.code))], [expected.code], `${name}: ${JSON.stringify(own)}`);
      const match = own[0]!;
      if (expected.line !== undefined) assert.equal(match.range?.line, expected.line, `${name}: line`);
      if (expected.name) assert.ok(match.message.includes(expected.name), `${name}: ${match.message}`);
    }
    const all = report.files.flatMap((f) => f.diagnostics);
    const plugin = (code: string, text: string) => all.find((d) => d.code === code && (d.message.includes(text) || d.file?.includes(text)));
    assert.ok(plugin('meta/missing-field', 'no-version'), 'no-version');
    assert.ok(plugin('meta/invalid-semver', 'bad-semver'), 'bad-semver');
    assert.match(plugin('plugin/dependency-cycle', 'chicken')?.message ?? '', /chicken -> egg -> chicken/);
    assert.equal(report.errorCount, all.filter((d) => d.severity === 'error').length);
  });

  it('examples/*.pipeline.yaml: no errors, exit 0', async () => {
    const files = readdirSync(examples).filter((f) => f.endsWith('.pipeline.yaml'));
    const result = await aether(['validate', ...files, '--json'], examples);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.equal(report.files.length, files.length);
    assert.equal(report.errorCount, 0);
  });

  describe('a workspace with plugins', () => {
    let root: string;
    const marker = () => path.join(root, 'executed.txt');
    before(() => {
      root = mkdtempSync(path.join(tmpdir(), 'aether-validate-'));
      writeFileSync(path.join(root, 'aether.config.json'), '{}\n');
      const write = (file: string, text: string) => {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        writeFileSync(path.join(root, file), text);
      };
      // Its top level writes a file: loading it would leave the file behind.
      write(
        'plugins/evil/index.mjs',
        `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(path.join(root, 'executed.txt'))}, 'ran');\n` +
          `export default class Evil {\n  static meta = { name: 'evil', version: '1.0.0', commands: { go: { input: { type: 'object', properties: { n: { type: 'number' } }, additionalProperties: false } } } };\n  async execute() {}\n}\n`,
      );
      write('plugins/nofile/package.json', '{ "name": "nofile", "aetherscript": { "plugin": "./dist/index.js" } }\n');
      write('plugins/badjson/package.json', '{ "name": "badjson", "aetherscript": { "plugin": "./index.js" ');
      write(
        'plugins/unknown-dep/index.ts',
        `export default class U {\n  static meta = { name: 'unknown-dep', version: '1.0.0', dependencies: { 'no-such-plugin': '^1.0.0' } };\n  async execute() {}\n}\n`,
      );
      write(
        'plugins/bad-version/index.ts',
        `export default class B {\n  static meta = { name: 'bad-version', version: '1.2', dependencies: { ghost: '^1.0.0' } };\n  async execute() {}\n}\n`,
      );
      write('ok.pipeline.yaml', 'name: ok\nsteps:\n  - id: a\n    run: go\n    with: { n: 1 }\n');
      write('bad.pipeline.yaml', 'name: bad\nsteps:\n  - id: a\n    run: go\n    with: { n: one, x: 2 }\n');
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it('validates pipelines against the static meta and never executes plugin code', async () => {
      const ok = await aether(['validate', 'ok.pipeline.yaml', 'bad.pipeline.yaml', '--json'], root);
      const report = JSON.parse(ok.stdout) as Report;
      const okEntry = report.files[0]!;
      assert.deepEqual(
        okEntry.diagnostics.filter((d) => d.file === okEntry.file),
        [],
      );
      const bad = report.files[1]!.diagnostics.filter((d) => d.code === 'pipeline/step-input');
      assert.equal(bad.length, 2, JSON.stringify(report.files[1]));
      assert.ok(bad.every((d) => d.range?.line === 5));
      assert.equal(existsSync(marker()), false, 'the plugin module was executed');
    });

    it('package.json: missing entry file and bad JSON; plugin source: unknown dependency', async () => {
      const result = await aether(
        ['validate', 'plugins/nofile/package.json', 'plugins/badjson/package.json', 'plugins/unknown-dep/index.ts', '--json'],
        root,
      );
      assert.equal(result.code, 2, result.stderr);
      const [nofile, badjson, dep] = (JSON.parse(result.stdout) as Report).files;
      assert.deepEqual(
        nofile!.diagnostics.map((d) => [d.code, d.range?.line]),
        [['plugin/missing-entry', 1]],
      );
      assert.deepEqual(
        badjson!.diagnostics.map((d) => d.code),
        ['plugin/bad-package-json'],
      );
      assert.ok(
        dep!.diagnostics.some((d) => d.code === 'plugin/missing-dependency' && d.message.includes('no-such-plugin') && d.range?.line === 2),
        JSON.stringify(dep),
      );
      assert.equal(existsSync(marker()), false);
    });

    it('a plugin with an invalid meta.version keeps its other diagnostics; each is printed once', async () => {
      const result = await aether(['validate', 'plugins/bad-version/index.ts', 'ok.pipeline.yaml', '--json'], root);
      assert.equal(result.code, 2, result.stderr);
      const all = (JSON.parse(result.stdout) as Report).files.flatMap((f) => f.diagnostics);
      const ofPlugin = all.filter((d) => d.file?.endsWith(path.join('bad-version', 'index.ts')));
      assert.deepEqual(ofPlugin.map((d) => d.code).sort(), ['meta/invalid-semver', 'plugin/missing-dependency'], JSON.stringify(all));
      assert.ok(ofPlugin.every((d) => d.range?.line === 2));
      const text = await aether(['validate', 'plugins/bad-version/index.ts', 'ok.pipeline.yaml'], root);
      const lines = text.stdout.split('\n').filter((line) => line.includes('error '));
      assert.equal(new Set(lines).size, lines.length, text.stdout);
      assert.equal(lines.filter((line) => line.includes('bad-version')).length, 2, text.stdout);
    });
  });

  it('the validate bundles need only packages runtime/package.json declares (no language server package)', () => {
    const declared = new Set(
      Object.keys((JSON.parse(readFileSync(path.join(repo, 'runtime/package.json'), 'utf8')) as { dependencies: object }).dependencies),
    );
    for (const bundle of ['runtime/dist/cli.js', 'runtime/dist/validateWorker.js']) {
      const code = readFileSync(path.join(repo, bundle), 'utf8');
      const required = [...code.matchAll(/require\("([^".][^"]*)"\)/g)].map((m) => m[1]!);
      const packages = required.filter((spec) => !spec.startsWith('node:') && !builtinModules.includes(spec));
      for (const spec of packages) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        assert.ok(declared.has(name), `${bundle} requires ${spec}, which runtime/package.json does not declare`);
      }
      assert.ok(!code.includes('aetherscript-language-server'), `${bundle} names the language server package`);
    }
  });

  it('examples/broken: the dependency cycle is printed once, with its place', async () => {
    const result = await aether(['validate', 'unknown-command.pipeline.yaml', 'plugins/chicken/index.ts'], broken);
    const cycles = result.stdout.split('\n').filter((line) => line.includes('plugin/dependency-cycle'));
    assert.equal(cycles.length, 1, result.stdout);
    assert.match(cycles[0]!, /^plugins\/chicken\/index\.ts:\d+:\d+: /);
  });
});
