// `aether plugins search` and the editor's catalog: the registry's search API (libnpmsearch), filtered
// on the `aetherscript-plugin` keyword here (Verdaccio's search matches names, not `keywords:`
// qualifiers), each result checked from its tarball (packageCheck.ts) without installing it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CheckedPackage } from './packageCheck';
import { abortable, checkExtracted, fetchOptions, fetchPackage, pacote } from './packageCheck';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import type { TrustSettings } from '../config/trustConfig';
import { RUNTIME_VERSION } from '../version';
import { registryErrorOf, RegistryError } from './errors';
import type { NpmSettings } from './npmConfig';
import { loadNpmSettings } from './npmConfig';
import { workspaceTrust } from './trustOf';
import type { CatalogEntry, PluginDetail, RegistryOptions } from './types';

export const PLUGIN_KEYWORD = 'aetherscript-plugin';

/** How many packages are fetched and checked at once. */
const CHECK_CONCURRENCY = 8;
/** Results asked per search page, and the most a search goes through. */
const PAGE = 250;
const MAX_RESULTS = 2000;

interface SearchHit {
  name: string;
  version?: string;
  description?: string;
  keywords?: string[] | string;
}

async function searchRegistry(settings: NpmSettings, query: string, signal?: AbortSignal): Promise<SearchHit[]> {
  const search = require('libnpmsearch') as (text: string, opts: Record<string, unknown>) => Promise<SearchHit[]>;
  const hits: SearchHit[] = [];
  try {
    for (let from = 0; from < MAX_RESULTS; from += PAGE) {
      // Not cached: npm's cache would answer with stale results while the registry is down, and a
      // search must show the registry as it is (the tarballs checked next are cached by integrity).
      const { cache: _cache, ...live } = settings.flat;
      const page = await abortable(search(query, { ...live, limit: PAGE, from, ...(signal ? { signal } : {}) }), signal);
      hits.push(...page);
      if (page.length < PAGE) break;
    }
  } catch (error) {
    throw registryErrorOf(error, { registry: settings.registry, doing: 'Searching' });
  }
  return hits;
}

function hasKeyword(hit: SearchHit): boolean {
  const keywords = Array.isArray(hit.keywords) ? hit.keywords : typeof hit.keywords === 'string' ? hit.keywords.split(/[\s,]+/) : [];
  return keywords.includes(PLUGIN_KEYWORD);
}

/** The version of `name` installed in the workspace's node_modules, if any. */
export async function installedVersion(root: string, name: string): Promise<string | undefined> {
  try {
    const pkg = JSON.parse(await readFile(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

function commandNames(meta: NonNullable<CheckedPackage['meta']>): string[] {
  const commands = meta.commands;
  if (commands && typeof commands === 'object' && !Array.isArray(commands)) return Object.keys(commands);
  return typeof meta.name === 'string' ? [meta.name] : [];
}

function hookNames(meta: NonNullable<CheckedPackage['meta']>): string[] {
  return Array.isArray(meta.hooks) ? meta.hooks.filter((h): h is string => typeof h === 'string') : [];
}

export function entryOf(checked: CheckedPackage, installed?: string): CatalogEntry {
  return {
    name: checked.name,
    version: checked.version,
    ...(checked.description !== undefined ? { description: checked.description } : {}),
    compatible: checked.compatible,
    ...(checked.runtimeRange !== undefined ? { runtimeRange: checked.runtimeRange } : {}),
    attestation: {
      status: checked.attestation.status,
      message: checked.attestation.message,
      ...(checked.attestation.keyid ? { keyId: checked.attestation.keyid } : {}),
    },
    permissions: checked.permissions,
    ...(checked.meta ? { commands: commandNames(checked.meta), hooks: hookNames(checked.meta) } : {}),
    ...(checked.benchmarks ? { benchmarks: checked.benchmarks } : {}),
    ...(installed !== undefined ? { installedVersion: installed } : {}),
    registry: checked.registry,
    ...(checked.integrity ? { integrity: checked.integrity } : {}),
    problems: checked.problems,
  };
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Fetches and checks one package version into a temporary folder, which is removed afterwards. */
export async function checkFromRegistry(
  root: string,
  spec: string,
  settings: NpmSettings,
  options: RegistryOptions & { cache?: string },
): Promise<CheckedPackage> {
  const { keys } = workspaceTrust(root);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aether-pkg-'));
  try {
    const fetched = await fetchPackage(spec, path.join(dir, 'package'), settings, options);
    return await checkExtracted(path.join(dir, 'package'), fetched, keys);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Bumped when what a check computes changes, so older cached results are not used. */
const CHECK_CACHE_VERSION = 2;

/** `.aether/cache/registry/<key>.json` (plugins cannot write `.aether/`), keyed by integrity, trusted keys and runtime. */
function checkCacheFile(root: string, integrity: string | undefined, trust: TrustSettings): string | undefined {
  if (!integrity) return undefined;
  const key = createHash('sha256')
    .update(JSON.stringify([CHECK_CACHE_VERSION, RUNTIME_VERSION, integrity, trust.keys.map((k) => k.publicKey).sort()]))
    .digest('hex');
  return path.join(root, '.aether', 'cache', 'registry', `${key}.json`);
}

async function readCachedCheck(file: string): Promise<CatalogEntry | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as CatalogEntry;
  } catch {
    return undefined;
  }
}

async function writeCachedCheck(file: string, entry: CatalogEntry): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(entry));
  } catch {
    // a cache that cannot be written only costs time
  }
}

export async function searchPlugins(root: string, query: string, options: RegistryOptions = {}): Promise<CatalogEntry[]> {
  const settings = await loadNpmSettings(root, options);
  const text = query.trim();
  let hits = await searchRegistry(settings, text === '' ? `keywords:${PLUGIN_KEYWORD}` : text, options.signal);
  // A registry that does not know the `keywords:` qualifier (Verdaccio) finds nothing by it: list everything.
  if (text === '' && hits.length === 0) hits = await searchRegistry(settings, '', options.signal);
  const plugins = hits.filter(hasKeyword);
  const trust = workspaceTrust(root);
  options.onProgress?.(`${plugins.length} plugin${plugins.length === 1 ? '' : 's'} found on ${settings.registry}; checking their tarballs`);
  return mapLimited(plugins, CHECK_CONCURRENCY, async (hit): Promise<CatalogEntry> => {
    const installed = await installedVersion(root, hit.name);
    try {
      const spec = `${hit.name}@${hit.version ?? 'latest'}`;
      // A tarball already checked against the same keys by this runtime is not fetched again: the
      // result depends only on its bytes (named by their integrity), the keys and the runtime version.
      const manifest = await abortable(pacote().manifest(spec, fetchOptions(settings, options)), options.signal);
      const cacheFile = checkCacheFile(root, manifest._integrity, trust);
      const cached = cacheFile ? await readCachedCheck(cacheFile) : undefined;
      if (cached) return { ...cached, ...(installed !== undefined ? { installedVersion: installed } : { installedVersion: undefined }) };
      const checked = await checkFromRegistry(root, spec, settings, { ...options, onProgress: undefined });
      const entry = entryOf(checked, installed);
      if (cacheFile && checked.integrity === manifest._integrity) await writeCachedCheck(cacheFile, entryOf(checked));
      return entry;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const failed =
        error instanceof RegistryError
          ? error
          : registryErrorOf(error, { registry: settings.registry, package: hit.name, doing: 'Checking' });
      return {
        name: hit.name,
        version: hit.version ?? '?',
        ...(hit.description !== undefined ? { description: hit.description } : {}),
        compatible: false,
        attestation: { status: failed.code === 'EINTEGRITY' ? 'integrity-failed' : 'unavailable', message: failed.message },
        ...(installed !== undefined ? { installedVersion: installed } : {}),
        registry: settings.registry,
        problems: [failed.message],
      };
    }
  });
}

export async function inspectPlugin(root: string, spec: string, options: RegistryOptions = {}): Promise<PluginDetail> {
  const settings = await loadNpmSettings(root, options);
  const checked = await checkFromRegistry(root, spec, settings, options);
  return {
    ...entryOf(checked, await installedVersion(root, checked.name)),
    ...(checked.readme !== undefined ? { readme: checked.readme } : {}),
    ...(checked.meta ? { meta: checked.meta } : {}),
    files: checked.files,
    manifest: checked.manifest,
  };
}
