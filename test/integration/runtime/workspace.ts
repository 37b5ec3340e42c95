// Fixture builder for the runtime integration tests: real temporary workspaces on disk (local plugins
// under plugins/<name>/, packages under node_modules/, pipelines, aether.config.json) and the real
// `aether` CLI run on them as a child process, its `--json` NDJSON stream parsed into events.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import type { AetherEvent, AetherEventType } from '../../../runtime/src/model/events';

export const repoRoot = path.resolve(__dirname, '../../..');
export const distDir = path.join(repoRoot, 'runtime', 'dist');
const cliBin = path.join(repoRoot, 'runtime', 'bin', 'aether.js');
const fixturesDir = path.join(repoRoot, 'test', 'fixtures', 'runtime');

/** Files of a plugin folder or package, by path relative to it; a plain string is `index.ts`. */
export type FileTree = Record<string, string>;

export interface WorkspaceSpec {
  /** Local plugins: `plugins/<name>/…`. */
  plugins?: Record<string, string | FileTree>;
  /** Installed packages: `node_modules/<name>/…` (scoped names such as `@acme/x` work). */
  packages?: Record<string, FileTree>;
  /** `<name>` → YAML text, written at the workspace root. */
  pipelines?: Record<string, string>;
  /** `aether.config.json`: an object is written as JSON (2 spaces), a string as it is. */
  config?: unknown;
  /** Any other files, relative to the root. */
  files?: FileTree;
}

export interface AetherResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every stdout line that parses as an event (`type` and `time`). */
  events: AetherEvent[];
  /** Non-empty stdout lines that are not JSON: must be none for `--json` runs. */
  nonJsonLines: string[];
}

export interface RunOptions {
  /** Merged over the default environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Milliseconds before the CLI is killed (the test then fails on its exit code). */
  timeoutMs?: number;
}

export interface Workspace {
  root: string;
  /** AETHER_LOG_DIR of every run in this workspace (outside the workspace). */
  logDir: string;
  path(...parts: string[]): string;
  read(file: string): Promise<string>;
  write(file: string, text: string): Promise<void>;
  remove(file: string): Promise<void>;
  run(args: string[], options?: RunOptions): Promise<AetherResult>;
  dispose(): Promise<void>;
}

let built = false;

/** Newest mtime of the files under `dir` (ms). */
function newestUnder(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** The runtime's own bundles, as esbuild.js declares them. */
const RUNTIME_BUNDLES = [
  { entry: 'runtime/src/cli/main.ts', out: 'runtime/dist/cli.js', format: 'cjs' },
  { entry: 'runtime/src/index.ts', out: 'runtime/dist/index.js', format: 'cjs' },
  { entry: 'runtime/src/host/pluginHost.ts', out: 'runtime/dist/pluginHost.js', format: 'cjs' },
  { entry: 'runtime/src/host/spawnedWorker.ts', out: 'runtime/dist/spawnedWorker.js', format: 'cjs' },
  { entry: 'runtime/src/api.ts', out: 'runtime/dist/api.mjs', format: 'esm' },
] as const;

/**
 * Builds runtime/dist with the repository's own `node esbuild.js` when a runtime bundle is missing or
 * older than the runtime's sources, so the CLI under test is the code in the working tree. When that
 * build fails on another process's bundle (the extension or the server, mid-edit), only the runtime's
 * bundles are rebuilt, with esbuild.js's options for them.
 */
export function ensureBuilt(): void {
  if (built) return;
  const outputs = RUNTIME_BUNDLES.map((bundle) => path.join(repoRoot, bundle.out));
  const sources = Math.max(newestUnder(path.join(repoRoot, 'runtime', 'src')), newestUnder(path.join(repoRoot, 'runtime', 'schemas')));
  const stale = () => outputs.some((file) => !existsSync(file) || statSync(file).mtimeMs < sources);
  if (stale()) {
    const full = spawnSync(process.execPath, ['esbuild.js'], { cwd: repoRoot, encoding: 'utf8' });
    if (stale()) {
      const script = `const esbuild = require('esbuild');
for (const b of ${JSON.stringify(RUNTIME_BUNDLES)}) esbuild.buildSync({ entryPoints: [b.entry], outfile: b.out, bundle: true, platform: 'node',
  format: b.format, target: 'node20', external: ['typescript'], sourcemap: true, sourcesContent: false, logLevel: 'error', loader: { '.json': 'json' } });`;
      const runtimeOnly = spawnSync(process.execPath, ['-e', script], { cwd: repoRoot, encoding: 'utf8' });
      assert.ok(
        !stale(),
        `runtime/dist is stale and could not be rebuilt.\nnode esbuild.js (exit ${full.status}):\n${full.stderr}\nruntime bundles only (exit ${runtimeOnly.status}):\n${runtimeOnly.stderr}`,
      );
    }
  }
  built = true;
}

async function writeTree(base: string, tree: FileTree): Promise<void> {
  for (const [file, text] of Object.entries(tree)) {
    const target = path.join(base, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
  }
}

/** The files of a plugin kept under test/fixtures/runtime/plugins/<name>. */
export function fixturePlugin(name: string): FileTree {
  const dir = path.join(fixturesDir, 'plugins', name);
  const tree: FileTree = {};
  const walk = (sub: string) => {
    for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else tree[rel] = readFileSync(path.join(dir, rel), 'utf8');
    }
  };
  walk('');
  return tree;
}

/** Source of a plugin module: a default-exported class with `static meta`, `execute` and `onHook`. */
export function pluginModule(meta: Record<string, unknown>, body: { execute?: string; onHook?: string; header?: string } = {}): string {
  return [
    body.header ?? '',
    'export default class TestPlugin {',
    `  static meta = ${JSON.stringify(meta)};`,
    `  async execute(ctx) {\n${body.execute ?? 'return null;'}\n  }`,
    body.onHook !== undefined ? `  async onHook(event, ctx) {\n${body.onHook}\n  }` : '',
    '}',
    '',
  ].join('\n');
}

export async function createWorkspace(spec: WorkspaceSpec = {}): Promise<Workspace> {
  ensureBuilt();
  const root = await mkdtemp(path.join(os.tmpdir(), 'aether-ws-'));
  const logDir = await mkdtemp(path.join(os.tmpdir(), 'aether-log-'));
  for (const [name, plugin] of Object.entries(spec.plugins ?? {})) {
    await writeTree(path.join(root, 'plugins', name), typeof plugin === 'string' ? { 'index.ts': plugin } : plugin);
  }
  for (const [name, files] of Object.entries(spec.packages ?? {})) await writeTree(path.join(root, 'node_modules', name), files);
  await writeTree(root, spec.pipelines ?? {});
  await writeTree(root, spec.files ?? {});
  if (spec.config !== undefined) {
    await writeFile(
      path.join(root, 'aether.config.json'),
      typeof spec.config === 'string' ? spec.config : `${JSON.stringify(spec.config, null, 2)}\n`,
    );
  }
  return {
    root,
    logDir,
    path: (...parts) => path.join(root, ...parts),
    read: (file) => readFile(path.join(root, file), 'utf8'),
    write: (file, text) => writeTree(root, { [file]: text }),
    remove: (file) => rm(path.join(root, file), { recursive: true, force: true }),
    run: (args, options = {}) => runAether(args, root, { ...options, env: { AETHER_LOG_DIR: logDir, ...options.env } }),
    dispose: async () => {
      if (process.env.AETHER_KEEP_WORKSPACES) return;
      await rm(root, { recursive: true, force: true });
      await rm(logDir, { recursive: true, force: true });
    },
  };
}

/** Parses a CLI's stdout as NDJSON events. */
export function parseEvents(stdout: string): { events: AetherEvent[]; nonJsonLines: string[] } {
  const events: AetherEvent[] = [];
  const nonJsonLines: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      nonJsonLines.push(line);
      continue;
    }
    if (value && typeof value === 'object' && 'type' in value && 'time' in value) events.push(value as AetherEvent);
  }
  return { events, nonJsonLines };
}

/**
 * Runs `node runtime/bin/aether.js …args` in `cwd`, never on a TTY, with NO_COLOR=1 and FORCE_COLOR
 * unset (override through `options.env`). AETHER_LOG_DIR defaults to a fresh temporary folder.
 */
export async function runAether(args: string[], cwd: string, options: RunOptions = {}): Promise<AetherResult> {
  ensureBuilt();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  env.AETHER_LOG_DIR ??= await mkdtemp(path.join(os.tmpdir(), 'aether-log-'));
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(process.execPath, [cliBin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => resolve(exitCode));
  });
  clearTimeout(timer);
  return { code, stdout, stderr, ...parseEvents(stdout) };
}

/** Events of one type, typed. */
export function ofType<T extends AetherEventType>(events: AetherEvent[], type: T): Extract<AetherEvent, { type: T }>[] {
  return events.filter((event): event is Extract<AetherEvent, { type: T }> => event.type === type);
}

/** The `step-end` event of `stepId` (fails the test when there is not exactly one). */
export function stepEnd(events: AetherEvent[], stepId: string): Extract<AetherEvent, { type: 'step-end' }> {
  const ends = ofType(events, 'step-end').filter((event) => event.stepId === stepId);
  assert.equal(ends.length, 1, `expected one step-end for "${stepId}", got ${ends.length}`);
  return ends[0]!;
}

/** A `--json` run's stdout is pure NDJSON, starts with run-start and ends with run-end. */
export function assertWellFormedRun(result: AetherResult): void {
  assert.deepEqual(result.nonJsonLines, [], 'every stdout line of `aether run --json` must be JSON');
  assert.ok(result.events.length >= 2, `expected a run's events, got stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  assert.equal(result.events[0]!.type, 'run-start');
  assert.equal(result.events.at(-1)!.type, 'run-end', 'run-end must be the last line of every run');
  assert.equal(ofType(result.events, 'run-end').length, 1, 'exactly one run-end');
}

/** The run record `.aether/runs/<runId>.ndjson` holds exactly the streamed lines. */
export async function assertRecordMatches(workspace: Workspace, result: AetherResult): Promise<void> {
  const start = ofType(result.events, 'run-start')[0];
  assert.ok(start, 'the run has a run-start');
  const record = await workspace.read(path.join('.aether', 'runs', `${start.runId}.ndjson`));
  assert.equal(record, result.stdout, 'the run record must equal the --json stream, line for line');
}

/** `step-id:event:plugin` for every hook-start, for compact order assertions. */
export function hookTrace(events: AetherEvent[], stepId?: string): string[] {
  return ofType(events, 'hook-start')
    .filter((event) => stepId === undefined || event.stepId === stepId)
    .map((event) => `${event.stepId ?? '-'}:${event.event}:${event.plugin}`);
}
