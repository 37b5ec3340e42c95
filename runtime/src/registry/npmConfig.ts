// The workspace's npm configuration, read by npm's own loader (@npmcli/config): the builtin, global,
// user and project .npmrc, npm_config_* variables, scoped registries and their auth, exactly as
// `npm install` in the workspace would see them. `--registry URL` overrides the registry.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** Options in npm's flat form, as pacote, npm-registry-fetch, libnpmsearch and libnpmpublish take them. */
export type NpmFlatOptions = Record<string, unknown> & { registry: string; cache?: string; timeout?: number };

export interface NpmSettings {
  /** The workspace folder npm runs in (its `--prefix`). */
  root: string;
  /** The default registry, with a trailing slash. */
  registry: string;
  /** Whether `registry` came from `--registry`. */
  overridden: boolean;
  flat: NpmFlatOptions;
  /** Arguments that make the npm CLI see the same registry (empty unless overridden). */
  cliArgs: string[];
}

/** Per-request timeout when the npm configuration sets none: npm's own default is five minutes. */
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;

/** Where the npm CLI that runs installs lives (its builtin npmrc and version), best effort. */
function npmInstallDir(): string {
  const candidates: string[] = [];
  if (process.env.npm_execpath) candidates.push(path.resolve(process.env.npm_execpath, '..', '..'));
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const bin = path.join(dir, 'npm');
    if (existsSync(bin)) {
      try {
        candidates.push(path.resolve(realpathSync(bin), '..', '..'));
      } catch {
        // a dangling link: try the next
      }
    }
  }
  candidates.push(path.resolve(process.execPath, '..', '..', 'lib', 'node_modules', 'npm'));
  return candidates.find((dir) => existsSync(path.join(dir, 'package.json'))) ?? candidates[candidates.length - 1]!;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Loads npm's configuration for `root` as `npm --prefix root` would. */
export async function loadNpmSettings(root: string, options: { registry?: string } = {}): Promise<NpmSettings> {
  const Config = require('@npmcli/config') as new (options: Record<string, unknown>) => {
    load(): Promise<void>;
    flat: Record<string, unknown>;
    find(key: string): string | null;
  };
  const { definitions, shorthands, flatten, nerfDarts } = require('@npmcli/config/lib/definitions') as Record<string, unknown>;
  const argv = [process.execPath, 'npm', '--prefix', root];
  const config = new Config({
    definitions,
    shorthands,
    flatten,
    nerfDarts,
    npmPath: npmInstallDir(),
    argv,
    cwd: root,
    env: process.env,
    warn: false,
  });
  await config.load();
  const flat: NpmFlatOptions = { ...(config.flat as NpmFlatOptions) };
  if (config.find('fetch-timeout') === 'default') flat.timeout = DEFAULT_FETCH_TIMEOUT_MS;
  let overridden = false;
  if (options.registry) {
    overridden = true;
    flat.registry = withSlash(options.registry);
    // `--registry` means this registry for every package, scoped or not.
    for (const key of Object.keys(flat)) if (/^@.*:registry$/i.test(key)) delete flat[key];
  }
  flat.registry = withSlash(flat.registry);
  return {
    root,
    registry: flat.registry,
    overridden,
    flat,
    cliArgs: overridden ? ['--registry', flat.registry] : [],
  };
}

/** The registry a package is fetched from: its scope's registry, or the default one. */
export function registryFor(settings: NpmSettings, name: string): string {
  const scope = name.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined;
  const scoped = scope ? settings.flat[`${scope}:registry`] : undefined;
  return typeof scoped === 'string' ? withSlash(scoped) : settings.registry;
}
