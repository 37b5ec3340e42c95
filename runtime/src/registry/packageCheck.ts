// A plugin package checked from its tarball, before anything is installed and without running any of
// its code: pacote resolves and fetches it (checking npm's integrity), extracts it into a temporary
// folder, and the runtime's own static checks read it there: package.json, `static meta` through the
// TypeScript parser, the attestation against the workspace's trusted keys, the runtime range.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import type * as Pacote from 'pacote';
import { readStaticMeta } from '../plugins/staticMeta';
import { LOCAL_ENTRY_FILES } from '../plugins/discovery';
import { RUNTIME_VERSION } from '../version';
import { existsSync } from 'node:fs';
import { ATTESTATION_FILE, digestPluginFiles, listPluginFiles } from '../trust/digest';
import { fileListDigest, verifyPluginTree, type AttestationResult, type SignedBenchmarks, type TrustedKey } from '../trust/attestation';
import { signedPermissions, type SignedPermissions } from '../model/permissions';
import type { PluginPermissions } from '../model/plugin';
import type { JsonValue } from '../model/plugin';
import { registryErrorOf, RegistryError } from './errors';
import { registryFor, type NpmSettings } from './npmConfig';

/** What the checks found in one package version. */
export interface CheckedPackage {
  name: string;
  version: string;
  description?: string;
  /** package.json as it is in the tarball. */
  manifest: Record<string, unknown>;
  /** npm's integrity of the tarball (checked while fetching), and where it came from. */
  integrity?: string;
  resolved?: string;
  registry: string;
  /** The plugin entry relative to the package (`aetherscript.plugin`), when it has one. */
  entry?: string;
  meta?: { [key: string]: JsonValue };
  runtimeRange?: string;
  compatible: boolean;
  attestation: AttestationResult;
  /** Declared permissions (meta.permissions, canonical); the signed ones when verified. */
  permissions: SignedPermissions;
  benchmarks?: SignedBenchmarks;
  files: { path: string; size: number }[];
  /** Digest of every file (trust/digest's canonical listing): what an install must reproduce byte for byte. */
  treeDigest: string;
  readme?: string;
  /** Why it is not an installable plugin (no entry, no meta, name mismatch…). Empty when fine. */
  problems: string[];
}

export function pacote(): typeof Pacote {
  return require('pacote') as typeof Pacote;
}

/** pacote's options for a fetch: the workspace's npm options plus a cache, cancellation and the trust check off (ours is done next). */
export function fetchOptions(settings: NpmSettings, extra: { cache?: string; signal?: AbortSignal } = {}): Pacote.Options {
  return {
    ...(settings.flat as Pacote.Options),
    ...(extra.cache ? { cache: extra.cache } : {}),
    ...(extra.signal ? { signal: extra.signal } : {}),
    fullMetadata: true,
    where: settings.root,
  } as Pacote.Options;
}

/** The package name of an npm spec (`name`, `name@range`, `@scope/name@range`). */
export function specName(spec: string): string {
  const npa = require('npm-package-arg') as (spec: string) => { name?: string | null; type: string };
  let parsed: { name?: string | null; type: string };
  try {
    parsed = npa(spec);
  } catch (error) {
    throw new RegistryError('EINVALIDSPEC', `"${spec}" is not a package name or name@range (${(error as Error).message}).`);
  }
  if (!parsed.name || !['version', 'range', 'tag'].includes(parsed.type)) {
    throw new RegistryError('EINVALIDSPEC', `"${spec}" must be a registry package: NAME or NAME@RANGE (not a path, URL or git spec).`);
  }
  return parsed.name;
}

/**
 * Resolves `spec` on the registry and extracts its tarball into `dest` (pacote checks the tarball
 * against the integrity the registry's metadata gives, and fails with EINTEGRITY otherwise).
 */
export async function fetchPackage(
  spec: string,
  dest: string,
  settings: NpmSettings,
  options: { cache?: string; signal?: AbortSignal; onProgress?: (line: string) => void } = {},
): Promise<{ manifest: Pacote.ManifestResult; integrity?: string; resolved?: string; registry: string }> {
  const name = specName(spec);
  const registry = registryFor(settings, name);
  const opts = fetchOptions(settings, options);
  const started = Date.now();
  try {
    options.onProgress?.(`resolving ${spec} on ${registry}`);
    const manifest = await abortable(pacote().manifest(spec, opts), options.signal);
    const id = `${manifest.name}@${manifest.version}`;
    const dist = (manifest as { dist?: { unpackedSize?: number } }).dist;
    options.onProgress?.(`downloading ${id}${dist?.unpackedSize ? ` (${kb(dist.unpackedSize)} unpacked)` : ''} from ${registry}`);
    const extracted = await abortable(
      pacote().extract(id, dest, { ...opts, integrity: manifest._integrity, resolved: manifest._resolved } as Pacote.Options),
      options.signal,
    );
    options.onProgress?.(`downloaded ${id} in ${Date.now() - started} ms, integrity ${shortIntegrity(extracted.integrity)} ok`);
    return { manifest, integrity: extracted.integrity, resolved: extracted.resolved, registry };
  } catch (error) {
    throw registryErrorOf(error, { registry, package: spec, doing: 'Fetching' });
  }
}

/** Runs the static checks on an extracted package folder. No code of the package runs. */
export async function checkExtracted(
  dir: string,
  from: { registry: string; integrity?: string; resolved?: string },
  trustedKeys: readonly TrustedKey[],
): Promise<CheckedPackage> {
  const problems: string[] = [];
  const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  const name = String(manifest.name);
  const version = String(manifest.version);
  const id = `${name}@${version}`;
  const aetherscript = manifest.aetherscript as { plugin?: unknown } | undefined;
  let entry: string | undefined;
  if (typeof aetherscript?.plugin === 'string') entry = path.posix.normalize(aetherscript.plugin.replace(/^\.\//, ''));
  else problems.push(`${id} is not an AetherScript plugin package: its package.json has no "aetherscript": { "plugin": "<entry>" }.`);

  const listed = await listPluginFiles(dir);
  if (existsSync(path.join(dir, ATTESTATION_FILE))) listed.push(ATTESTATION_FILE);
  const files = await Promise.all(listed.sort().map(async (file) => ({ path: file, size: (await stat(path.join(dir, file))).size })));
  let meta: { [key: string]: JsonValue } | undefined;
  if (entry !== undefined) {
    if (entry.startsWith('..') || path.isAbsolute(entry) || !files.some((f) => f.path === entry)) {
      problems.push(`${id}: its plugin entry "${String(aetherscript?.plugin)}" is not a file of the package.`);
    } else {
      const read = readStaticMeta(await readFile(path.join(dir, entry), 'utf8'), path.join(dir, entry));
      if (!read.meta) problems.push(`${id}: no meta can be read from ${entry}: ${read.problem ?? 'no static meta'}.`);
      meta = read.meta;
    }
  }
  if (meta && (meta.name !== name || meta.version !== version)) {
    problems.push(`${id}: its meta says ${String(meta.name)}@${String(meta.version)}; the package and its meta must agree.`);
  }
  const engines = (meta?.engines ?? undefined) as { aetherscript?: unknown } | undefined;
  const packageEngines = manifest.engines as { aetherscript?: unknown } | undefined;
  const range = [engines?.aetherscript, packageEngines?.aetherscript].find((r): r is string => typeof r === 'string');
  const compatible =
    range === undefined || (semver.validRange(range) !== null && semver.satisfies(RUNTIME_VERSION, range, { includePrerelease: true }));

  const attestation = (await verifyPluginTree(dir, meta ? { name, version } : undefined, trustedKeys, id)).result;
  // Messages name the package, not the temporary folder it was checked in.
  attestation.message = attestation.message.split(` (${dir})`).join(` (from ${from.registry})`);
  const permissions = attestation.permissions ?? signedPermissions(meta?.permissions as PluginPermissions | undefined);
  let readme: string | undefined;
  const readmeFile = files.find((f) => /^readme(\.md|\.markdown|\.txt)?$/i.test(f.path));
  if (readmeFile) readme = await readFile(path.join(dir, readmeFile.path), 'utf8');
  else if (typeof manifest.readme === 'string') readme = manifest.readme;

  return {
    name,
    version,
    ...(typeof manifest.description === 'string' ? { description: manifest.description } : {}),
    manifest,
    ...(from.integrity ? { integrity: from.integrity } : {}),
    ...(from.resolved ? { resolved: from.resolved } : {}),
    registry: from.registry,
    ...(entry !== undefined ? { entry } : {}),
    ...(meta ? { meta } : {}),
    ...(range !== undefined ? { runtimeRange: range } : {}),
    compatible,
    attestation,
    permissions,
    ...(attestation.benchmarks ? { benchmarks: attestation.benchmarks } : {}),
    files,
    treeDigest: fileListDigest((await digestPluginFiles(dir)).files),
    ...(readme !== undefined ? { readme } : {}),
    problems,
  };
}

/** The local plugin entry files a folder without package.json may have (for publish). */
export { LOCAL_ENTRY_FILES };

export function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} kB`;
}

function shortIntegrity(integrity: string | undefined): string {
  return integrity ? `${integrity.slice(0, 20)}…` : '(none given)';
}

/** Rejects with an AbortError as soon as `signal` fires (the library call may go on unobserved). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
