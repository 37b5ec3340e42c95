// Shared set-up of the registry tests and benchmark: authoring copies of the example plugins, keys made
// with `aether keys generate`, publishing with `aether plugins publish`, fresh workspaces that trust a
// key, and a byte-for-byte snapshot of the workspace files a refused operation must not touch.
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { createWorkspace, repoRoot, runAether, type AetherResult, type Workspace } from '../runtime/workspace';

export const examplesDir = path.join(repoRoot, 'examples', 'plugins');

/** npm settings of every CLI run and in-process call: a private cache, no retries (a fault shows at once). */
export function npmEnv(cache: string): Record<string, string> {
  return { npm_config_cache: cache, npm_config_fetch_retries: '0', npm_config_update_notifier: 'false', npm_config_audit: 'false' };
}

export interface Keys {
  dir: string;
  key: string;
  pub: string;
  keyid: string;
}

export async function generateKeys(cwd: string, name: string): Promise<Keys> {
  const dir = path.join(cwd, name);
  const result = await runAether(['keys', 'generate', '--out', dir], cwd);
  assert.equal(result.code, 0, result.stderr);
  const keyid = /key id (\w+)/.exec(result.stdout)?.[1];
  assert.ok(keyid, result.stdout);
  return { dir, key: path.join(dir, 'aether-signing.key'), pub: path.join(dir, 'aether-signing.pub'), keyid };
}

/** Copies of the example plugins to publish from (some get edited: a version bump, a new permission). */
export async function authoringCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aether-authoring-'));
  for (const name of await readdir(examplesDir)) {
    await cp(path.join(examplesDir, name), path.join(dir, name), {
      recursive: true,
      filter: (file) => path.basename(file) !== 'aetherscript.attestation.json',
    });
  }
  // notify-console's package.json is "private" (an example not meant for npm): published here it is not.
  const pkgFile = path.join(dir, 'notify-console', 'package.json');
  const pkg = JSON.parse(await readFile(pkgFile, 'utf8')) as Record<string, unknown>;
  delete pkg.private;
  await writeFile(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  return dir;
}

/** Replaces `from` with `to` in a plugin's entry (a version bump, a new permission). */
export async function editEntry(pluginDir: string, from: string, to: string): Promise<void> {
  const file = existsSync(path.join(pluginDir, 'index.ts')) ? path.join(pluginDir, 'index.ts') : path.join(pluginDir, 'src', 'index.js');
  const text = await readFile(file, 'utf8');
  assert.ok(text.includes(from), `${file} has no ${from}`);
  await writeFile(file, text.replace(from, to));
  const pkgFile = path.join(pluginDir, 'package.json');
  if (existsSync(pkgFile)) {
    const version = /version: '([^']+)'/.exec(to)?.[1];
    if (version) {
      const pkg = JSON.parse(await readFile(pkgFile, 'utf8')) as Record<string, unknown>;
      pkg.version = version;
      await writeFile(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
    }
  }
}

export async function publish(dir: string, registry: string, key: string | undefined, env: Record<string, string>): Promise<AetherResult> {
  return runAether(['plugins', 'publish', dir, '--registry', registry, ...(key ? ['--key', key] : ['--unsigned'])], path.dirname(dir), {
    env,
    timeoutMs: 120_000,
  });
}

/** A fresh workspace whose .npmrc names the registry and whose config trusts `keys` under `policy`. */
export async function registryWorkspace(registry: string, keys: Keys[], policy = 'require'): Promise<Workspace> {
  const trusted = await Promise.all(keys.map(async (k) => ({ keyid: k.keyid, publicKey: await readFile(k.pub, 'utf8') })));
  return createWorkspace({
    config: { aether: { trust: { policy, keys: trusted } } },
    files: {
      'package.json': `${JSON.stringify({ name: 'registry-test-workspace', version: '1.0.0', private: true }, null, 2)}\n`,
      '.npmrc': `registry=${registry}\n`,
    },
  });
}

/** Every workspace file an install may change, with its bytes' digest: aether.config.json, package*.json, node_modules. */
export async function workspaceFiles(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const add = async (rel: string) => {
    const abs = path.join(root, rel);
    if (!existsSync(abs)) return;
    if (statSync(abs).isDirectory()) {
      out[`${rel}/`] = 'dir';
      for (const name of (await readdir(abs)).sort()) await add(path.join(rel, name));
    } else {
      out[rel] = createHash('sha256')
        .update(await readFile(abs))
        .digest('hex');
    }
  };
  for (const rel of ['aether.config.json', 'package.json', 'package-lock.json', '.npmrc', 'node_modules']) await add(rel);
  return out;
}

export async function removeAll(...dirs: string[]): Promise<void> {
  if (process.env.AETHER_KEEP_WORKSPACES) return;
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
