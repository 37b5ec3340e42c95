// Runs the npm CLI in the workspace (`npm install|uninstall --ignore-scripts …`): the installs are npm's
// own, with the workspace's .npmrc, lockfile and cache. Its HTTP log lines become progress lines.
import { spawn } from 'node:child_process';
import { RegistryError } from './errors';
import type { NpmSettings } from './npmConfig';

export interface NpmRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** The npm executable: the one running us under `npm run`/`npx`, else `npm` on PATH. */
function npmCommand(): { command: string; prefix: string[] } {
  const execPath = process.env.npm_execpath;
  if (execPath && /npm-cli\.js$/.test(execPath)) return { command: process.execPath, prefix: [execPath] };
  return { command: process.platform === 'win32' ? 'npm.cmd' : 'npm', prefix: [] };
}

/** `npm <args>` in the workspace; never runs package scripts; rejects with EABORTED when cancelled. */
export async function runNpm(
  settings: NpmSettings,
  args: string[],
  options: { signal?: AbortSignal; onProgress?: (line: string) => void } = {},
): Promise<NpmRun> {
  const { command, prefix } = npmCommand();
  const full = [
    ...prefix,
    ...args,
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--no-update-notifier',
    '--loglevel=http',
    '--prefix',
    settings.root,
    ...settings.cliArgs,
  ];
  const child = spawn(command, full, { cwd: settings.root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  let stderr = '';
  let pending = '';
  child.stdout.resume();
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      // `npm http fetch GET 200 http://…/x/-/x-1.0.0.tgz 12ms (cache miss)`: one line per download.
      const http = /^npm http fetch (\w+) (\d+) (\S+) (\d+ms)(.*)$/.exec(line.trim());
      if (http) options.onProgress?.(`npm: ${http[1]} ${http[3]} ${http[2]} ${http[4]}${http[5]}`);
    }
  });
  const onAbort = () => child.kill('SIGTERM');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await new Promise<NpmRun>((resolve, reject) => {
      child.on('error', (error) =>
        reject(
          new RegistryError(
            'EINSTALL',
            `cannot run npm (${error.message}); AetherScript installs plugins with npm, so npm must be on PATH.`,
          ),
        ),
      );
      child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** npm's own error lines (`npm error …`), for a message. */
export function npmErrorLines(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((line) => /^npm (error|ERR!)/.test(line))
    .map((line) => line.replace(/^npm (error|ERR!) ?/, '').trim())
    .filter((line) => line !== '' && !/^A complete log of this run/.test(line) && !/_logs\//.test(line));
  return lines.slice(0, 8).join('; ');
}
