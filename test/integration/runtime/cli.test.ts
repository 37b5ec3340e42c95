// The `aether` command line itself (spec section 6): `validate` on the shipped examples (every broken
// file gives the diagnostic its header comment announces), `--help` everywhere, exit code 2 for invalid
// input with the reason on stderr, and colour only on a TTY without NO_COLOR.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  assertWellFormedRun,
  createWorkspace,
  fixturePlugin,
  ofType,
  repoRoot,
  runAether,
  type AetherResult,
  type Workspace,
} from './workspace';

const examples = path.join(repoRoot, 'examples');
const broken = path.join(examples, 'broken');
const ANSI = /\x1b\[/; // eslint-disable-line no-control-regex

interface Diagnostic {
  code: string;
  severity: string;
  message: string;
  plugin?: string;
  range?: { line: number; column: number };
}
interface ValidateJson {
  files: Array<{ file: string; diagnostics: Diagnostic[] }>;
  errorCount: number;
  warningCount: number;
}

/** What a broken example's header comment announces: `# Expected: <code> at line <n> ("name")…`. */
function expectationOf(file: string): { code: string; line?: number; names: string[] } {
  const header = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('#'))
    .join(' ');
  const expected = /Expected: ([a-z]+\/[a-z-]+)(.*)$/.exec(header);
  assert.ok(expected, `${path.basename(file)} has an "Expected:" header comment`);
  const rest = expected[2]!;
  const line = /at line (\d+)/.exec(rest);
  // Names to find in the message: quoted ones, and the ids of a cycle written as `a -> c -> b -> a`.
  const quoted = [...rest.matchAll(/"([^"]+)"/g)].map((match) => match[1]!);
  const cycle = /\(([a-z0-9_-]+(?: -> [a-z0-9_-]+)+)\)/.exec(rest);
  return { code: expected[1]!, line: line ? Number(line[1]) : undefined, names: [...quoted, ...(cycle ? cycle[1]!.split(' -> ') : [])] };
}

describe('aether validate on the shipped examples', () => {
  const brokenFiles = readdirSync(broken)
    .filter((name) => name.endsWith('.pipeline.yaml'))
    .sort();
  let brokenJson: AetherResult;
  let brokenHuman: AetherResult;
  let goodJson: AetherResult;
  let report: ValidateJson;

  before(async () => {
    const goodFiles = readdirSync(examples).filter((name) => name.endsWith('.pipeline.yaml'));
    [brokenJson, brokenHuman, goodJson] = await Promise.all([
      runAether(['validate', ...brokenFiles, '--json'], broken),
      // Not a TTY and NO_COLOR unset: still no colour.
      runAether(['validate', ...brokenFiles], broken, { env: { NO_COLOR: undefined } }),
      runAether(['validate', ...goodFiles, '--json'], examples),
    ]);
    report = JSON.parse(brokenJson.stdout) as ValidateJson;
  });

  test('every broken file is reported (exit 2); the count is right', () => {
    assert.ok(brokenFiles.length >= 12, `found ${brokenFiles.length} broken pipelines`);
    assert.equal(brokenJson.code, 2, brokenJson.stderr);
    assert.deepEqual(
      report.files.map((entry) => path.basename(entry.file)),
      brokenFiles,
    );
    const errors = report.files.flatMap((entry) => entry.diagnostics).filter((d) => d.severity === 'error');
    assert.equal(report.errorCount, errors.length);
  });

  for (const name of readdirSync(broken).filter((file) => file.endsWith('.pipeline.yaml'))) {
    test(`${name}: the diagnostic its header announces`, () => {
      const expected = expectationOf(path.join(broken, name));
      const entry = report.files.find((file) => path.basename(file.file) === name);
      assert.ok(entry, `${name} is in the report`);
      const match = entry.diagnostics.find((d) => d.code === expected.code && d.severity === 'error');
      assert.ok(match, `${name}: expected ${expected.code}, got ${JSON.stringify(entry.diagnostics.map((d) => d.code))}`);
      if (expected.line !== undefined) assert.equal(match.range?.line, expected.line, `${name}: line of ${expected.code}`);
      for (const id of expected.names) assert.ok(match.message.includes(id), `${name}: the message names "${id}": ${match.message}`);
    });
  }

  test("the broken workspace's plugin errors are reported too", () => {
    const all = report.files.flatMap((entry) => entry.diagnostics);
    const find = (code: string, plugin: string) => all.find((d) => d.code === code && (d.plugin === plugin || d.message.includes(plugin)));
    assert.ok(find('meta/missing-field', 'no-version'), 'no-version: meta/missing-field');
    assert.match(find('meta/missing-field', 'no-version')!.message, /version/);
    assert.ok(find('meta/invalid-semver', 'bad-semver'), 'bad-semver: meta/invalid-semver');
    assert.match(find('plugin/dependency-cycle', 'chicken')?.message ?? '', /chicken -> egg -> chicken/);
  });

  test('human output: file:line:col: error code: message, and no colour off a TTY', () => {
    assert.equal(brokenHuman.code, 2);
    assert.match(brokenHuman.stdout, /^typo-key\.pipeline\.yaml:12:5: error pipeline\/unknown-key: Unknown key "nedds"/m);
    assert.match(brokenHuman.stdout, /^unknown-need\.pipeline\.yaml:11:13: error pipeline\/unknown-need: /m);
    assert.match(brokenHuman.stdout, new RegExp(`✗ ${brokenFiles.length} files: \\d+ errors, 0 warnings`));
    assert.doesNotMatch(brokenHuman.stdout + brokenHuman.stderr, ANSI);
  });

  test('examples/*.pipeline.yaml: no errors (exit 0)', () => {
    assert.equal(goodJson.code, 0, goodJson.stdout);
    const good = JSON.parse(goodJson.stdout) as ValidateJson;
    assert.ok(good.files.length >= 4);
    assert.equal(good.errorCount, 0);
    for (const entry of good.files)
      assert.deepEqual(
        entry.diagnostics.filter((d) => d.severity === 'error'),
        [],
        entry.file,
      );
  });
});

describe('--help, unknown options and commands', () => {
  const commands = [
    [],
    ['run'],
    ['validate'],
    ['plugins'],
    ['plugins', 'sync'],
    ['plugins', 'list'],
    ['plugins', 'sign'],
    ['keys'],
    ['keys', 'generate'],
    ['keys', 'trust'],
  ];

  test('--help on every command exits 0 with its usage', async () => {
    const results = await Promise.all(commands.map((command) => runAether([...command, '--help'], examples)));
    commands.forEach((command, i) => {
      const result = results[i]!;
      const name = ['aether', ...command].join(' ');
      assert.equal(result.code, 0, `${name} --help: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^Usage: ${name} `), `${name} --help prints its usage`);
    });
  });

  test('an unknown option or command exits 2 and says so on stderr', async () => {
    const [option, validateOption, command, missingArg] = await Promise.all([
      runAether(['run', 'release.pipeline.yaml', '--bogus'], examples),
      runAether(['validate', '--strict-ish', 'release.pipeline.yaml'], examples),
      runAether(['frobnicate'], examples),
      runAether(['run'], examples),
    ]);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /unknown option '--bogus'/);
    assert.equal(option.stdout, '', 'nothing ran');
    assert.equal(validateOption.code, 2);
    assert.match(validateOption.stderr, /unknown option '--strict-ish'/);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /unknown command 'frobnicate'/);
    assert.equal(missingArg.code, 2);
    assert.match(missingArg.stderr, /missing required argument 'pipeline'/);
  });
});

describe('aether run: invalid input exits 2 with the reason on stderr', () => {
  let ws: Workspace;
  const results = new Map<string, AetherResult>();
  const pipelines: Record<string, string> = {
    'schema.pipeline.yaml': 'name: schema\nsteps:\n  - id: one\n    run: echo\n    nedds: [two]\n',
    'unknown-command.pipeline.yaml': 'name: unknown\nsteps:\n  - id: launch\n    run: deploy-to-mars\n',
    'unknown-qualified.pipeline.yaml': 'name: unknown-qualified\nsteps:\n  - id: launch\n    run: probe/deploy\n',
    'need-cycle.pipeline.yaml': 'name: cycle\nsteps:\n  - id: a\n    run: echo\n    needs: [b]\n  - id: b\n    run: echo\n    needs: [a]\n',
    'not-upstream.pipeline.yaml':
      "name: up\nsteps:\n  - id: a\n    run: echo\n  - id: b\n    run: echo\n    with: { x: '${{ steps.a.output }}' }\n",
    'bad-input.pipeline.yaml': 'name: input\nsteps:\n  - id: hello\n    run: greet\n    with: { name: 42 }\n',
  };

  before(async () => {
    ws = await createWorkspace({ plugins: { probe: fixturePlugin('probe') }, pipelines });
    // Independent runs: two at a time.
    const names = [...Object.keys(pipelines), 'missing.pipeline.yaml'];
    for (let i = 0; i < names.length; i += 2) {
      const batch = names.slice(i, i + 2);
      const done = await Promise.all(batch.map((name) => ws.run(['run', name, '--json'])));
      batch.forEach((name, j) => results.set(name, done[j]!));
    }
  });
  after(() => ws.dispose());

  /** Exit 2, the reason on stderr, pure NDJSON on stdout, run-end last if a run started; nothing ran. */
  function assertInvalid(name: string, ...reasons: RegExp[]): AetherResult {
    const result = results.get(name)!;
    assert.equal(result.code, 2, `${name}: exit code\n${result.stderr}`);
    for (const reason of reasons) assert.match(result.stderr, reason);
    assert.deepEqual(result.nonJsonLines, []);
    if (result.events.length > 0) assertWellFormedRun(result);
    assert.deepEqual(ofType(result.events, 'step-start'), []);
    assert.deepEqual(ofType(result.events, 'hook-start'), []);
    return result;
  }

  test('a pipeline that breaks the schema', () => {
    assertInvalid(
      'schema.pipeline.yaml',
      /schema\.pipeline\.yaml is not valid; nothing was run/,
      /schema\.pipeline\.yaml:5:5: error pipeline\/unknown-key/,
    );
  });

  test('a step whose command no plugin provides', () => {
    const result = assertInvalid(
      'unknown-command.pipeline.yaml',
      /pipeline\/unknown-command/,
      /Unknown command "deploy-to-mars": no loaded plugin provides it/,
    );
    assert.ok(ofType(result.events, 'plugin-error').some((event) => event.message.includes('deploy-to-mars')));
    assertInvalid('unknown-qualified.pipeline.yaml', /Plugin "probe" has no command "deploy"\. Its commands: echo/);
  });

  test('a needs cycle, and an expression on a step that is not upstream', () => {
    assertInvalid('need-cycle.pipeline.yaml', /pipeline\/need-cycle/, /a -> b -> a|b -> a -> b/);
    assertInvalid('not-upstream.pipeline.yaml', /expression\/not-upstream/, /"a"/);
  });

  test('a missing pipeline file', () => {
    assertInvalid('missing.pipeline.yaml', /no such file/);
  });

  test('a `with` that does not fit the command schema is found before anything runs', () => {
    assertInvalid('bad-input.pipeline.yaml', /hello/, /name/);
  });
});

describe('colour and the progress line', () => {
  const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
  const noScript = script.status !== 0 ? 'util-linux `script` is not installed' : false;
  const typo = path.join(broken, 'typo-key.pipeline.yaml');
  const aether = (...args: string[]) =>
    [process.execPath, path.join(repoRoot, 'runtime/bin/aether.js'), ...args].map((arg) => JSON.stringify(arg)).join(' ');
  /** Runs a shell command line on a pseudo-terminal (util-linux `script`); resolves with what it printed. */
  const onTty = (command: string, cwd: string, env: NodeJS.ProcessEnv) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('error', reject);
      child.on('close', () => resolve(out));
    });
  const baseEnv = () => {
    const env = { ...process.env };
    delete env.FORCE_COLOR;
    delete env.NO_COLOR;
    return env;
  };

  test('FORCE_COLOR turns colour on off a TTY (so the checks below can see it)', async () => {
    const forced = await runAether(['validate', typo], examples, { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    assert.match(forced.stdout, ANSI);
  });

  test('on a TTY: colour by default, none with NO_COLOR', { skip: noScript }, async () => {
    const [coloured, plain] = await Promise.all([
      onTty(aether('validate', typo), examples, baseEnv()),
      onTty(aether('validate', typo), examples, { ...baseEnv(), NO_COLOR: '1' }),
    ]);
    assert.match(coloured, /unknown-key/);
    assert.match(coloured, ANSI, 'a TTY gets colour');
    assert.match(plain, /unknown-key/);
    assert.doesNotMatch(plain, ANSI, 'NO_COLOR turns it off');
  });

  test('a run longer than a second shows a progress line on a TTY, and only there', { skip: noScript }, async () => {
    const ws = await createWorkspace({
      plugins: { probe: fixturePlugin('probe') },
      pipelines: { 'slow.pipeline.yaml': 'name: slow\nsteps:\n  - id: nap\n    run: sleep\n    with: { ms: 1800 }\n' },
    });
    try {
      const [tty, piped] = await Promise.all([
        onTty(aether('run', 'slow.pipeline.yaml'), ws.root, { ...baseEnv(), NO_COLOR: '1', AETHER_LOG_DIR: ws.logDir }),
        ws.run(['run', 'slow.pipeline.yaml']),
      ]);
      assert.match(tty, /0\/1 steps done, running nap/);
      assert.match(tty, /✓ run ok/);
      assert.equal(piped.code, 0, piped.stderr);
      assert.match(piped.stdout, /✓ run ok/);
      assert.doesNotMatch(piped.stdout, /steps done/);
      assert.doesNotMatch(piped.stdout, /\r/, 'no line rewriting off a TTY');
    } finally {
      await ws.dispose();
    }
  });
});
