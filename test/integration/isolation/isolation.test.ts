// What the isolation boundary promises beyond the fault matrix: plugins cannot see each other or
// write outside the workspace, spawnWorker works under limits, and cancelling a run stops everything.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runPipeline } from '../../../runtime/src/index';
import { defaultBundles } from '../../../runtime/src/engine/runtimePaths';
import type { AetherEvent } from '../../../runtime/src/model/events';

const repo = path.resolve(__dirname, '../../..');
const bundles = defaultBundles(path.join(repo, 'runtime', 'dist'));
const scratch = mkdtempSync(path.join(tmpdir(), 'aether-isolation-'));

before(() => execFileSync('node', ['esbuild.js'], { cwd: repo, stdio: 'ignore' }));
after(() => rmSync(scratch, { recursive: true, force: true }));

function workspace(name: string, files: Record<string, string>): string {
  const root = path.join(scratch, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  writeFileSync(path.join(root, 'aether.config.json'), '{}\n');
  return root;
}

async function run(file: string): Promise<{ exitCode: number; events: AetherEvent[] }> {
  const events: AetherEvent[] = [];
  const result = await runPipeline({ file, bundles, onEvent: (event) => events.push(event) });
  return { exitCode: result.exitCode, events };
}

const stepEnd = (events: AetherEvent[], id: string) =>
  events.find((e) => e.type === 'step-end' && e.stepId === id) as Extract<AetherEvent, { type: 'step-end' }> | undefined;

test('plugins share nothing but pipeline state, and cannot write outside the workspace', async () => {
  const outside = path.join(scratch, 'outside.txt');
  const root = workspace('boundaries', {
    'plugins/writer/index.mjs': `
      import { writeFileSync } from 'node:fs';
      globalThis.secret = 'from writer';
      export default class Writer {
        static meta = { name: 'writer', version: '1.0.0', commands: { write: {}, escape: {}, spawn: {} }, permissions: { fs: { write: ['inside.txt'] } } };
        async execute(ctx) {
          if (ctx.command === 'escape') { writeFileSync(${JSON.stringify(outside)}, 'x'); return 'escaped'; }
          if (ctx.command === 'spawn') { (await import('node:child_process')).execSync('true'); return 'spawned'; }
          writeFileSync(ctx.input.file, 'inside'); ctx.state.set('written', ctx.input.file); return { ok: true };
        }
      }`,
    'plugins/reader/index.mjs': `
      export default class Reader {
        static meta = { name: 'reader', version: '1.0.0', commands: { read: {} } };
        async execute(ctx) { return { secret: globalThis.secret ?? null, written: ctx.state.get('written') ?? null, hasProcessSend: typeof process.send }; }
      }`,
    'p.pipeline.yaml': `name: boundaries
steps:
  - id: write
    run: write
    with: { file: ${JSON.stringify(path.join(scratch, 'boundaries', 'inside.txt'))} }
  - id: read
    run: read
    needs: [write]
  - id: escape
    run: escape
    continue-on-error: true
  - id: spawn
    run: spawn
    continue-on-error: true
`,
  });
  const { events } = await run(path.join(root, 'p.pipeline.yaml'));
  assert.equal(stepEnd(events, 'write')?.status, 'ok');
  assert.ok(existsSync(path.join(root, 'inside.txt')), 'writes the plugin declares are allowed');
  assert.deepEqual(stepEnd(events, 'read')?.output, { secret: null, written: path.join(root, 'inside.txt'), hasProcessSend: 'undefined' });
  assert.equal(stepEnd(events, 'escape')?.status, 'failed');
  assert.match(stepEnd(events, 'escape')?.error ?? '', /permission denied: writing \S*outside\.txt needs meta\.permissions\.fs\.write/);
  assert.equal(existsSync(outside), false, 'nothing was written outside the workspace');
  assert.equal(stepEnd(events, 'spawn')?.status, 'failed');
});

test('ctx.spawnWorker returns results, and its failures come back as rejected promises with the cause', async () => {
  const root = workspace('spawn', {
    'plugins/heavy/work.mjs': `export default function (input) {
      if (input.mode === 'loop') for (;;) {}
      if (input.mode === 'heap') { const keep = []; for (;;) keep.push({ n: Math.random(), s: 'x' + Math.random() }); }
      if (input.mode === 'throw') throw new Error('worker says no');
      let sum = 0; for (let i = 1; i <= input.n; i++) sum += i; return { sum };
    }`,
    'plugins/heavy/index.mjs': `
      export default class Heavy {
        static meta = { name: 'heavy', version: '1.0.0', commands: { crunch: {} } };
        async execute(ctx) {
          try { return await ctx.spawnWorker('./work.mjs', ctx.input, { timeoutMs: ctx.input.timeoutMs ?? 500, heapMb: 32 }); }
          catch (error) { return { rejected: error.message }; }
        }
      }`,
    'p.pipeline.yaml': `name: spawn
settings: { timeout: 20s }
steps:
  - { id: sum, run: crunch, with: { n: 1000 } }
  - { id: loop, run: crunch, with: { mode: loop } }
  - { id: heap, run: crunch, with: { mode: heap, timeoutMs: 15000 } }
  - { id: throws, run: crunch, with: { mode: throw } }
`,
  });
  const { exitCode, events } = await run(path.join(root, 'p.pipeline.yaml'));
  assert.equal(exitCode, 0);
  assert.deepEqual(stepEnd(events, 'sum')?.output, { sum: 500500 });
  assert.match(JSON.stringify(stepEnd(events, 'loop')?.output), /exceeded its 500 ms timeout/);
  assert.match(JSON.stringify(stepEnd(events, 'heap')?.output), /exceeded its 32 MB heap limit/);
  assert.match(JSON.stringify(stepEnd(events, 'throws')?.output), /worker says no/);
});

test('Ctrl-C aborts ctx.signal, stops plugins that ignore it after the grace period, and leaves no process behind', async () => {
  const root = workspace('cancel', {
    'plugins/waiter/index.mjs': `
      export default class Waiter {
        static meta = { name: 'waiter', version: '1.0.0', commands: { polite: {}, stubborn: {} } };
        async execute(ctx) {
          if (ctx.command === 'stubborn') return new Promise(() => {});
          return new Promise((resolve) => ctx.signal.addEventListener('abort', () => { ctx.log.info('polite: aborted'); resolve('stopped'); }));
        }
      }`,
    'p.pipeline.yaml': `name: cancel
settings: { concurrency: 2, timeout: 60s }
steps:
  - { id: polite, run: polite }
  - { id: stubborn, run: stubborn }
  - { id: never, run: polite, needs: [polite] }
`,
  });
  const cli = spawn('node', [path.join(repo, 'runtime/bin/aether.js'), 'run', 'p.pipeline.yaml', '--json'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  const started = new Promise<void>((resolve) => {
    cli.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if ((stdout.match(/"type":"step-start"/g) ?? []).length === 2) resolve();
    });
  });
  await started;
  const hostPids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(cli.pid)])
    .toString()
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  assert.ok(hostPids.length > 0, 'the run has a plugin host process');
  cli.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
  const events = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AetherEvent);
  assert.equal(code, 130);
  assert.ok(
    events.some((e) => e.type === 'log' && e.message === 'polite: aborted'),
    'the polite plugin saw ctx.signal abort',
  );
  assert.equal(stepEnd(events, 'stubborn')?.status, 'failed');
  assert.match(stepEnd(events, 'stubborn')?.error ?? '', /cancelled/);
  assert.equal(stepEnd(events, 'never')?.status, 'skipped');
  const last = events.at(-1);
  assert.equal(last?.type === 'run-end' && last.status, 'cancelled');
  // Children of the CLI (plugin hosts, esbuild's service) end with it; give them a moment to go.
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let waited = 0; hostPids.some(alive) && waited < 3000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(hostPids.filter(alive), [], 'no child process of the run is left');
});

test("the caller's default limits (the editor's settings) apply below meta and pipeline settings", async () => {
  const root = workspace('default-limits', {
    'plugins/spinner/index.mjs': `
      export default class Spinner {
        static meta = { name: 'spinner', version: '1.0.0', commands: { spin: {} } };
        execute() { for (;;) {} }
      }`,
    'plugins/patient/index.mjs': `
      export default class Patient {
        static meta = { name: 'patient', version: '1.0.0', commands: { spinWithin: {} }, limits: { timeoutMs: 900 } };
        execute() { for (;;) {} }
      }`,
    'p.pipeline.yaml': `name: default-limits
steps:
  - id: spin
    run: spin
    continue-on-error: true
  - id: meta-wins
    run: spinWithin
`,
  });
  const events: AetherEvent[] = [];
  const started = Date.now();
  const result = await runPipeline({
    file: path.join(root, 'p.pipeline.yaml'),
    bundles,
    defaultLimits: { timeoutMs: 300 },
    onEvent: (event) => events.push(event),
  });
  assert.equal(result.exitCode, 1);
  assert.match(stepEnd(events, 'spin')?.error ?? '', /300 ms/, 'the default replaced the 5 s of the spec');
  assert.match(stepEnd(events, 'meta-wins')?.error ?? '', /900 ms/, "the plugin's meta.limits still wins over the default");
  assert.ok(Date.now() - started < 4000, 'neither call waited for the 5 s spec default');
});
