// `aether dev plugin-test` end to end: the real CLI, the real plugin host, real limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SandboxCaseResult } from '../../../runtime/src/sandbox';

const repoRoot = path.resolve(__dirname, '../../..');
const cliBin = path.join(repoRoot, 'runtime', 'bin', 'aether.js');
const examples = path.join(repoRoot, 'examples');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: Array<Record<string, unknown>>;
  ms: number;
}

function aether(args: string[], cwd = repoRoot): Promise<CliResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = args.includes('--json')
        ? stdout
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [];
      resolve({ code, stdout, stderr, lines, ms: Math.round(performance.now() - started) });
    });
  });
}

const casesOf = (result: CliResult) => result.lines.filter((line) => line.type === 'case') as unknown as SandboxCaseResult[];

/** A plugin folder in a temp dir: `index.js` plus `test/<name>` sandbox files. */
async function tempPlugin(files: Record<string, string>): Promise<{ dir: string; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aether-sandbox-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

const COUNTER_PLUGIN = `
export default class Counter {
  static meta = {
    name: 'counter',
    version: '1.0.0',
    commands: {
      bump: { input: { type: 'object', required: ['by'], additionalProperties: false, properties: { by: { type: 'number' } } } },
      hog: { input: { type: 'object' } },
      nap: { input: { type: 'object' } },
    },
    config: { type: 'object', additionalProperties: false, properties: { start: { type: 'number' } } },
    limits: { timeoutMs: 1500, heapMb: 48 },
  };
  calls = 0;
  async execute(ctx) {
    this.calls++;
    if (ctx.command === 'hog') {
      const keep = [];
      for (;;) keep.push(new Array(1e6).fill(keep.length));
    }
    if (ctx.command === 'nap') await new Promise((resolve) => setTimeout(resolve, 5000));
    const total = (ctx.state.get('total') ?? ctx.config.start ?? 0) + ctx.input.by;
    ctx.state.set('total', total);
    ctx.log.info('total is ' + total);
    ctx.visualize({ chart: 'totals', kind: 'gauge', value: total });
    return { total, calls: this.calls, command: ctx.command, step: ctx.step.id };
  }
}
`;

test('every example plugin passes its sandbox cases (exit 0)', async () => {
  const plugins = readdirSync(path.join(examples, 'plugins')).filter((name) => existsSync(path.join(examples, 'plugins', name, 'test')));
  assert.ok(plugins.length >= 7, `found ${plugins.join(', ')}`);
  const started = performance.now();
  const results = await Promise.all(plugins.map((name) => aether(['dev', 'plugin-test', path.join('plugins', name), '--json'], examples)));
  const wallMs = Math.round(performance.now() - started);
  results.forEach((result, index) => {
    const name = plugins[index]!;
    assert.equal(result.code, 0, `${name}: ${result.stdout}${result.stderr}`);
    const cases = casesOf(result);
    const yamlCases = readdirSync(path.join(examples, 'plugins', name, 'test'))
      .filter((file) => file.endsWith('.sandbox.yaml'))
      .reduce(
        (count, file) =>
          count + (readFileSync(path.join(examples, 'plugins', name, 'test', file), 'utf8').match(/^ {2}- name:/gm)?.length ?? 0),
        0,
      );
    assert.equal(cases.length, yamlCases, name);
    for (const c of cases) assert.equal(c.status, 'passed', `${name} / ${c.case}: ${JSON.stringify(c.failures)}`);
    assert.deepEqual(result.lines.at(-1), {
      type: 'summary',
      passed: cases.length,
      failed: 0,
      attestation: { status: 'verified', message: (result.lines.at(-1) as { attestation: { message: string } }).attestation.message },
    });
  });
  console.log(
    `  example sandboxes: ${plugins.length} plugins in ${wallMs} ms wall (in parallel); per plugin ${results.map((r, i) => `${plugins[i]} ${r.ms} ms`).join(', ')}`,
  );
});

test('flaky-tools: the failing-on-purpose cases fail for the right reasons (human output, exit 1)', async () => {
  const result = await aether(['dev', 'plugin-test', 'plugins/flaky-tools'], path.join(examples, 'broken'));
  assert.equal(result.code, 1, result.stderr);
  assert.doesNotMatch(result.stderr, /internal error/);
  const lines = result.stdout.trimEnd().split('\n');
  assert.equal(lines.at(-1), '1 passed, 3 failed');
  assert.match(result.stdout, /✓ adds two numbers/);
  assert.match(result.stdout, /✗ wrong expected output .*flaky-tools\.sandbox\.yaml:18/);
  assert.match(result.stdout, /output: output\.sum: expected 6, got 5\n\s+expected: \{"sum":6\}\n\s+actual: +\{"sum":5\}/);
  assert.match(
    result.stdout,
    /✗ infinite loop hits the timeout .*:25\n\s+status: expected status ok, but the case failed: exceeded its 1000 ms timeout/,
  );
  assert.match(result.stdout, /error: the error "kaboom" does not match \/bang\/\n\s+expected: \/bang\/\n\s+actual: +kaboom/);
});

test('flaky-tools --json: one line per case, then the summary; the timeout does not stop the run', async () => {
  const result = await aether(['dev', 'plugin-test', path.join(examples, 'broken', 'plugins', 'flaky-tools'), '--json']);
  assert.equal(result.code, 1, result.stderr);
  const cases = casesOf(result);
  assert.deepEqual(
    cases.map((c) => [c.case, c.status, c.line]),
    [
      ['adds two numbers', 'passed', 11],
      ['wrong expected output', 'failed', 18],
      ['infinite loop hits the timeout', 'failed', 25],
      ['wrong error regex', 'failed', 32],
    ],
  );
  for (const c of cases) {
    assert.equal(c.plugin, 'flaky-tools');
    assert.equal(c.file, path.join(examples, 'broken', 'plugins', 'flaky-tools', 'test', 'flaky-tools.sandbox.yaml'));
    assert.equal(typeof c.durationMs, 'number');
  }
  const [, wrongOutput, timeout, wrongError] = cases;
  assert.deepEqual(wrongOutput!.failures, [
    { field: 'output', path: 'output.sum', expected: { sum: 6 }, actual: { sum: 5 }, message: 'output.sum: expected 6, got 5' },
  ]);
  assert.equal(timeout!.failures.length, 1);
  assert.deepEqual(
    { ...timeout!.failures[0], message: undefined },
    { field: 'status', path: 'status', expected: 'ok', actual: 'failed', message: undefined },
  );
  assert.match(timeout!.failures[0]!.message, /exceeded its 1000 ms timeout/);
  assert.equal(timeout!.error, 'exceeded its 1000 ms timeout');
  assert.ok(timeout!.durationMs >= 1000 && timeout!.durationMs < 4000, `timeout case took ${timeout!.durationMs} ms`);
  assert.deepEqual(timeout!.logs, [{ level: 'info', message: 'spinning forever' }]);
  assert.deepEqual(
    wrongError!.failures.map((f) => [f.field, f.expected, f.actual]),
    [['error', '/bang/', 'kaboom']],
  );
  const summary = result.lines.at(-1) as { attestation?: { status: string; message: string } };
  assert.deepEqual(summary, {
    type: 'summary',
    passed: 1,
    failed: 3,
    attestation: { status: 'unsigned', message: summary.attestation?.message },
  });
  assert.match(summary.attestation?.message ?? '', /flaky-tools .* is unsigned/);
});

test('--case runs only that case; an unknown name is invalid input with a did-you-mean (exit 2)', async () => {
  const dir = path.join(examples, 'broken', 'plugins', 'flaky-tools');
  const one = await aether(['dev', 'plugin-test', dir, '--case', 'wrong error regex', '--json']);
  assert.equal(one.code, 1);
  assert.deepEqual(
    casesOf(one).map((c) => c.case),
    ['wrong error regex'],
  );
  const passing = await aether(['dev', 'plugin-test', dir, '--case', 'adds two numbers']);
  assert.equal(passing.code, 0);
  assert.equal(passing.stdout.trimEnd().split('\n').at(-1), '1 passed, 0 failed');
  const unknown = await aether(['dev', 'plugin-test', dir, '--case', 'add two numbers']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no case is named "add two numbers"\. Did you mean "adds two numbers"\?/);
});

test('each case gets a fresh instance; state, logs, metrics, config and input schemas; heap and timeout limits', async () => {
  const plugin = await tempPlugin({
    'index.js': COUNTER_PLUGIN,
    'test/counter.sandbox.yaml': `plugin: ../index.js
cases:
  - name: first call
    command: bump
    input: { by: 2 }
    config: { start: 10 }
    expect:
      output: { total: 12, calls: 1, command: bump, step: first-call }
      state: { total: 12 }
      logs: [{ level: info, message: total is 12 }]
      metrics: [{ chart: totals, value: 12 }]
  - name: a fresh instance again, starting from the given state
    command: counter/bump
    input: { by: 1 }
    state: { total: 40 }
    expect: { output: { total: 41, calls: 1, command: bump }, state: { total: 41 } }
  - name: heap overrun is this case's failure
    command: hog
    expect: { status: failed, error: /heap limit/ }
  - name: slow async call hits the timeout
    command: nap
    expect: { status: failed, error: exceeded its 1500 ms timeout }
  - name: input schema mismatch
    command: bump
    input: { by: two }
    expect: { status: failed, error: '/input does not fit command "bump".*by/' }
  - name: config schema mismatch
    command: bump
    input: { by: 1 }
    config: { begin: 1 }
    expect: { status: failed, error: /config.*unknown key "begin"/ }
  - name: still fine after all that
    command: bump
    input: { by: 1 }
    expect: { output: { total: 1, calls: 1 } }
`,
  });
  try {
    const result = await aether(['dev', 'plugin-test', plugin.dir, '--json']);
    const cases = casesOf(result);
    assert.equal(
      result.code,
      0,
      `${result.stderr}\n${JSON.stringify(
        cases.filter((c) => c.status === 'failed'),
        null,
        1,
      )}`,
    );
    assert.equal(cases.length, 7);
    assert.deepEqual(cases[0]!.metrics, [{ chart: 'totals', kind: 'gauge', value: 12 }]);
    assert.match(cases[2]!.error!, /exceeded its 48 MB heap limit/);
  } finally {
    await plugin.dispose();
  }
});

test('invalid sandbox files: every mistake with file:line:col, nothing runs, exit 2', async () => {
  const plugin = await tempPlugin({
    'index.js': COUNTER_PLUGIN,
    'test/a.sandbox.yaml': `plugin: ../index.js
cases:
  - name: one
    comand: bump
    expect:
      status: okay
  - command: bump
    expect: { logs: [{ message: '/a(b/' }] }
`,
    'test/b.sandbox.yaml': `cases:
  - name: two
    command: bump
`,
  });
  try {
    const result = await aether(['dev', 'plugin-test', plugin.dir]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.equal(result.stdout, '', 'nothing ran');
    const a = path.join(plugin.dir, 'test', 'a.sandbox.yaml');
    const b = path.join(plugin.dir, 'test', 'b.sandbox.yaml');
    const at = (file: string, line: number, col: number) => `${path.relative(repoRoot, file)}:${line}:${col}`;
    const expected: Array<[string, RegExp]> = [
      [at(a, 3, 5), /missing the required key "command"/],
      [at(a, 4, 5), /unknown key "comand" .*Did you mean "command"\?/],
      [at(a, 6, 15), /must be "ok" or "failed", not "okay"/],
      [at(a, 7, 5), /missing the required key "name"/],
      [at(a, 8, 33), /not a valid regular expression/],
      [at(b, 1, 1), /missing the required key "plugin"/],
    ];
    for (const [where, message] of expected) {
      const line = result.stderr.split('\n').find((text) => text.includes(where));
      assert.ok(line, `no error at ${where} in:\n${result.stderr}`);
      assert.match(line, message);
    }
  } finally {
    await plugin.dispose();
  }
});

test('plugin problems found before running: missing entry, unknown command (line numbers, --json diagnostics)', async () => {
  const plugin = await tempPlugin({
    'index.js': COUNTER_PLUGIN,
    'test/a.sandbox.yaml': 'plugin: ../index.js\ncases:\n  - name: x\n    command: bmup\n',
    'test/b.sandbox.yaml': 'plugin: ../missing.js\ncases:\n  - name: y\n    command: bump\n',
  });
  try {
    const result = await aether(['dev', 'plugin-test', plugin.dir, '--json']);
    assert.equal(result.code, 2);
    const diagnostics = result.lines.filter((line) => line.type === 'diagnostic');
    assert.deepEqual(
      diagnostics.map((d) => [path.basename(String(d.file)), d.line, d.column, d.code]),
      [
        ['a.sandbox.yaml', 4, 14, 'sandbox/unknown-command'],
        ['b.sandbox.yaml', 1, 9, 'sandbox/plugin-not-found'],
      ],
    );
    assert.match(String(diagnostics[0]!.message), /Did you mean "bump"\?/);
    assert.equal(result.lines.at(-1)?.type, 'summary');
    const empty = await tempPlugin({ 'index.js': COUNTER_PLUGIN });
    const none = await aether(['dev', 'plugin-test', empty.dir]);
    await empty.dispose();
    assert.equal(none.code, 2);
    assert.match(none.stderr, /has no sandbox cases: add test\/<name>\.sandbox\.yaml/);
  } finally {
    await plugin.dispose();
  }
});
