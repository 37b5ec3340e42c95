// A real private npm registry for the registry tests and the benchmark: Verdaccio (a dev dependency)
// as a child process on a free 127.0.0.1 port, with temporary storage, no uplinks (nothing leaves the
// machine) and anonymous publish allowed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '../../..');
const verdaccioBin = path.join(repoRoot, 'node_modules', 'verdaccio', 'bin', 'verdaccio');

export interface Registry {
  url: string;
  port: number;
  /** Verdaccio's storage folder: `<storage>/<name>/<name>-<version>.tgz` and package.json. */
  storage: string;
  /** Stops the registry (it can be started again on the same port and storage). */
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
  log(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`${url}-/ping`);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`verdaccio did not start on ${url} within 30 s:\n${log()}`);
}

export async function startRegistry(): Promise<Registry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aether-verdaccio-'));
  const storage = path.join(dir, 'storage');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = path.join(dir, 'config.yaml');
  await writeFile(
    config,
    [
      `storage: ${JSON.stringify(storage)}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(path.join(dir, 'htpasswd'))}`,
      'uplinks: {}',
      'packages:',
      "  '@*/*': { access: $all, publish: $all, unpublish: $all }",
      "  '**': { access: $all, publish: $all, unpublish: $all }",
      'max_body_size: 100mb',
      'log: { type: stdout, format: pretty, level: warn }',
      'web: { enable: false }',
      '',
    ].join('\n'),
  );
  let output = '';
  let child: ChildProcess | undefined;
  const registry: Registry = {
    url,
    port,
    storage,
    log: () => output,
    async start() {
      child = spawn(process.execPath, [verdaccioBin, '--config', config, '--listen', `127.0.0.1:${port}`], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NODE_ENV: 'production' },
      });
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      await waitUp(url, child, () => output);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const closed = new Promise((resolve) => running.once('close', resolve));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
      await closed;
      clearTimeout(timer);
    },
    async dispose() {
      await registry.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await registry.start();
  return registry;
}
