// `aether validate --format github|sarif`: workflow annotations and a SARIF 2.1.0 log for CI, from the
// real CLI on examples/broken. The SARIF log is checked against the OASIS schema (test/fixtures/sarif).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';

const repo = path.resolve(__dirname, '../../..');
const CLI = path.join(repo, 'runtime/bin/aether.js');
const examples = path.join(repo, 'examples');
const broken = path.join(examples, 'broken');

function aether(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: examples, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The SARIF schema is draft-04: ajv 8 reads it once the root `id` is its `$id` and `$schema` is dropped. */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(path.join(repo, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8'));
  const { $schema: _draft, id, ...rest } = schema;
  // The runtime's ajv 8 and ajv-formats (the top level's ajv is eslint's 6).
  const fromRuntime = createRequire(path.join(repo, 'runtime/src/index.ts'));
  const Ajv = fromRuntime('ajv').default;
  const addFormats = fromRuntime('ajv-formats').default;
  // The schema's `language` pattern is not valid with the u flag (a stray `]`): plain RegExps, as draft-04 meant.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile({ $id: id, ...rest });
}

const unknownCommand = path.join(broken, 'unknown-command.pipeline.yaml');
const typoKey = path.join(broken, 'typo-key.pipeline.yaml');

describe('aether validate --format', () => {
  it('github: one workflow command per diagnostic, with file, line and column, exit 2 on errors', async () => {
    const json = JSON.parse((await aether(['validate', '--json', unknownCommand, typoKey])).stdout);
    const result = await aether(['validate', '--format', 'github', unknownCommand, typoKey]);
    assert.equal(result.code, 2, result.stderr);
    const annotations = result.stdout.split('\n').filter((line) => line.startsWith('::'));
    const expected = json.files.flatMap((f: { diagnostics: unknown[] }) => f.diagnostics);
    assert.equal(annotations.length, expected.length, result.stdout);
    for (const [i, diagnostic] of expected.entries()) {
      const { code, severity, range } = diagnostic as { code: string; severity: string; range?: { line: number; column: number } };
      const line = annotations[i]!;
      assert.match(line, new RegExp(`^::${severity === 'info' ? 'notice' : severity} file=broken/`));
      if (range) assert.ok(line.includes(`,line=${range.line},col=${range.column},`), line);
      assert.ok(line.includes(`title=aether ${code.replace(/:/g, '%3A').replace(/,/g, '%2C')}`), line);
      // The message is data: newlines are escaped, so one diagnostic is one line.
      assert.ok(!line.slice(line.indexOf('::', 2)).includes('\n'));
    }
  });

  it('sarif: a SARIF 2.1.0 log valid against the OASIS schema, one result per diagnostic', async () => {
    const json = JSON.parse((await aether(['validate', '--json', unknownCommand, typoKey])).stdout);
    const result = await aether(['validate', '--format', 'sarif', unknownCommand, typoKey]);
    assert.equal(result.code, 2, result.stderr);
    const log = JSON.parse(result.stdout);
    const validate = sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0];
    const expected = json.files.flatMap((f: { diagnostics: unknown[] }) => f.diagnostics) as Array<{
      code: string;
      message: string;
      range?: { line: number; column: number };
    }>;
    assert.equal(run.results.length, expected.length);
    for (const [i, diagnostic] of expected.entries()) {
      const sarif = run.results[i];
      assert.equal(sarif.ruleId, diagnostic.code);
      assert.equal(run.tool.driver.rules[sarif.ruleIndex].id, diagnostic.code);
      assert.equal(sarif.message.text, diagnostic.message);
      const location = sarif.locations[0].physicalLocation;
      assert.match(location.artifactLocation.uri, /^broken\/\S+$/);
      assert.equal(location.artifactLocation.uriBaseId, '%SRCROOT%');
      if (diagnostic.range) {
        assert.equal(location.region.startLine, diagnostic.range.line);
        assert.equal(location.region.startColumn, diagnostic.range.column);
        assert.ok(location.region.endLine >= location.region.startLine);
      }
    }
  });

  it('a clean pipeline gives an empty, still valid SARIF log and no annotations, exit 0', async () => {
    const clean = path.join(examples, 'release.pipeline.yaml');
    const sarif = await aether(['validate', '--format', 'sarif', clean]);
    assert.equal(sarif.code, 0, sarif.stderr);
    const log = JSON.parse(sarif.stdout);
    assert.ok(sarifValidator()(log));
    assert.deepEqual(
      log.runs[0].results.filter((r: { level: string }) => r.level === 'error'),
      [],
    );
    const github = await aether(['validate', '--format', 'github', clean]);
    assert.equal(github.code, 0);
    assert.equal(github.stdout.split('\n').filter((l) => l.startsWith('::error')).length, 0);
  });

  it('an unknown format is refused with the formats there are', async () => {
    const result = await aether(['validate', '--format', 'xml', unknownCommand]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /text, json, github, sarif/);
  });
});
