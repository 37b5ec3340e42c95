// The run record (`.aether/runs/<runId>.ndjson`) and `--debug-plugins` (plugins.log under
// AETHER_LOG_DIR, its path printed at the start of the run), through the real CLI (spec section 6).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  repoRoot,
  assertRecordMatches,
  assertWellFormedRun,
  createWorkspace,
  fixturePlugin,
  ofType,
  parseEvents,
  pluginModule,
  type AetherResult,
  type Workspace,
} from './workspace';

const PIPELINE = `name: traced
steps:
  - id: seed
    run: remember
    with: { key: color, value: teal }
  - id: show
    run: echo
    needs: [seed]
    with: { color: '\${{ state.color }}' }
`;

describe('run record and --debug-plugins', () => {
  let ws: Workspace;
  let json: AetherResult;
  let human: AetherResult;
  let logFile: string;

  before(async () => {
    ws = await createWorkspace({
      plugins: {
        probe: fixturePlugin('probe'),
        tracer: pluginModule(
          { name: 'tracer', version: '1.0.0', hooks: ['pipeline-start', 'pre-execute'] },
          { onHook: "if (event === 'pipeline-start') ctx.state.set('hooked', event);" },
        ),
      },
      pipelines: {
        'traced.pipeline.yaml': PIPELINE,
        'slow.pipeline.yaml':
          'name: slow\nsteps:\n  - id: nap\n    run: sleep\n    with: { ms: 1500 }\n  - id: after\n    run: echo\n    needs: [nap]\n',
      },
    });
    logFile = path.join(ws.logDir, 'plugins.log');
    json = await ws.run(['run', 'traced.pipeline.yaml', '--json', '--debug-plugins']);
    human = await ws.run(['run', 'traced.pipeline.yaml', '--debug-plugins']);
  });
  after(() => ws.dispose());

  test('--json: the record holds exactly the streamed events; run-start names plugins.log', async () => {
    assert.equal(json.code, 0, json.stderr);
    assertWellFormedRun(json);
    await assertRecordMatches(ws, json);
    assert.equal(ofType(json.events, 'run-start')[0]!.debugLog, logFile);
    assert.deepEqual(
      ofType(json.events, 'step-end').map((event) => [event.stepId, event.status]),
      [
        ['seed', 'ok'],
        ['show', 'ok'],
      ],
    );
  });

  test('plugins.log (under AETHER_LOG_DIR) traces every event of the run, hooks and state writes included', async () => {
    assert.ok(existsSync(logFile), `${logFile} exists`);
    assert.ok(!existsSync(ws.path('.aether', 'logs')), 'AETHER_LOG_DIR overrides the workspace fallback');
    const runId = ofType(json.events, 'run-start')[0]!.runId;
    const lines = (await readFile(logFile, 'utf8')).split('\n').filter((line) => line.includes(`[${runId}]`));
    for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[[^\]]+\] [a-z-]+ /);
    const logged = lines.map((line) => line.split(' ')[2]).filter((type) => !type!.startsWith('worker-') && !type!.startsWith('host-'));
    assert.deepEqual(
      logged,
      json.events.map((event) => event.type),
      'one line per event, in order',
    );
    const text = lines.join('\n');
    assert.match(text, /hook-start event="pipeline-start" plugin="tracer"/);
    assert.match(text, /hook-end event="pre-execute" plugin="tracer" stepId="seed" durationMs=[\d.]+ status="ok"/);
    assert.match(text, /state key="hooked" plugin="tracer"/);
    assert.match(text, /state key="color" plugin="probe" stepId="seed"/);
    assert.match(text, /step-start stepId="seed" command="remember" plugin="probe"/);
    assert.match(text, /run-end status="ok"/);
  });

  test('human output prints the plugins.log path at the start and the record path at the end', async () => {
    assert.equal(human.code, 0, human.stderr);
    const lines = human.stdout.split('\n');
    assert.match(lines[0]!, /^▶ traced traced\.pipeline\.yaml · run \S+$/);
    assert.equal(lines[1], `  debug trace: ${logFile}`);
    assert.match(human.stdout, /✓ run ok/);
    const recorded = /run record: (\S+\.ndjson)/.exec(human.stdout);
    assert.ok(recorded, human.stdout);
    const record = parseEvents(await ws.read(recorded[1]!));
    assert.deepEqual(record.nonJsonLines, []);
    assert.equal(record.events.at(-1)!.type, 'run-end');
    assert.equal(record.events[0]!.type, 'run-start');
    // The second run appends to the same plugins.log.
    const humanRunId = (record.events[0] as { runId: string }).runId;
    const log = await readFile(logFile, 'utf8');
    assert.ok(log.includes(`[${humanRunId}] run-end`) && log.includes(`[${ofType(json.events, 'run-start')[0]!.runId}] run-end`));
  });

  test('a reader that goes away (`aether run --json | head -1`) does not lose the end of the run record', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'runtime/bin/aether.js'), 'run', 'slow.pipeline.yaml', '--json'], {
      cwd: ws.root,
      env: { ...process.env, NO_COLOR: '1', AETHER_LOG_DIR: ws.logDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let firstLine = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (firstLine) return;
      firstLine = chunk.split('\n')[0]!;
      child.stdout.destroy(); // like `head -1`: the pipe closes while the run goes on
    });
    await new Promise((resolve) => child.on('close', resolve));
    const runId = (JSON.parse(firstLine) as { runId: string }).runId;
    const record = parseEvents(await ws.read(path.join('.aether', 'runs', `${runId}.ndjson`)));
    assert.doesNotMatch(stderr, /Unhandled 'error' event/);
    assert.equal(record.events.at(-1)?.type, 'run-end', 'the record ends with run-end');
    assert.equal(record.events.filter((event) => event.type === 'step-end').length, 2, 'both steps ran');
  });
});
