// `aether plugins publish DIR`: checks meta, runs the plugin's sandbox cases, signs (with the latest
// benchmark summary) and publishes with npm's libraries: packed by libnpmpack, published by
// libnpmpublish. The folder itself is never written: everything happens on a staged copy, whose
// package.json is the plugin's own or, for a local plugin without one, made from its meta.
// The packed tarball is extracted and verified again before it goes: what is published is what was signed.
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readStaticMeta } from '../plugins/staticMeta';
import { validateMeta } from '../plugins/meta';
import { findWorkspaceRoot } from '../config/workspace';
import { signPluginFolder } from '../engine/signPlugin';
import { latestBenchSummary, summaryFile } from '../pluginBench/baseline';
import { runSandbox } from '../sandbox/runSandbox';
import { listPluginFiles, ATTESTATION_FILE } from '../trust/digest';
import { keyIdOf, loadPrivateKey } from '../trust/keys';
import { verifyPluginTree } from '../trust/attestation';
import { RUNTIME_VERSION } from '../version';
import type { JsonValue } from '../model/plugin';
import { RegistryError, registryErrorOf } from './errors';
import { loadNpmSettings, registryFor } from './npmConfig';
import { kb, LOCAL_ENTRY_FILES, pacote } from './packageCheck';
import { PLUGIN_KEYWORD } from './catalog';
import type { PublishPreview, RegistryOptions } from './types';

export interface PublishOptions extends RegistryOptions {
  unsigned?: boolean;
  /** Private key file (from `aether keys generate`). */
  key?: string;
  /** Skip the sandbox cases (not offered on the CLI; for tools that ran them already). */
  skipSandbox?: boolean;
}

/** Folders never staged: npm would not pack them, and the attestation must cover exactly what is packed. */
const NOT_STAGED = new Set(['node_modules', '.git']);

interface Prepared extends PublishPreview {
  tarball?: Buffer;
  name: string;
  version: string;
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
}

function majorRange(): string {
  return `^${RUNTIME_VERSION.split('.')[0]}.0.0`;
}

/** The package.json to publish: the plugin's own (checked against meta) or one made from meta. */
function manifestFor(
  pkg: Record<string, unknown> | undefined,
  meta: { [key: string]: JsonValue },
  entryRel: string,
  problems: string[],
): { manifest: Record<string, unknown>; generated: boolean } {
  const name = String(meta.name);
  const version = String(meta.version);
  const engines = meta.engines as { aetherscript?: unknown } | undefined;
  const range = typeof engines?.aetherscript === 'string' ? engines.aetherscript : majorRange();
  if (!pkg) {
    return {
      generated: true,
      manifest: {
        name,
        version,
        ...(typeof meta.description === 'string' ? { description: meta.description } : {}),
        keywords: [PLUGIN_KEYWORD],
        aetherscript: { plugin: `./${entryRel}` },
        engines: { aetherscript: range },
      },
    };
  }
  const manifest = { ...pkg };
  if (manifest.name !== name || manifest.version !== version) {
    problems.push(
      `package.json says ${String(manifest.name)}@${String(manifest.version)} but the plugin's meta says ${name}@${version}; make them agree before publishing.`,
    );
  }
  if (manifest.private === true) {
    problems.push('package.json has "private": true, so npm will not publish it; remove that field to publish.');
  }
  const keywords = Array.isArray(manifest.keywords) ? (manifest.keywords as unknown[]) : [];
  if (!keywords.includes(PLUGIN_KEYWORD)) manifest.keywords = [...keywords, PLUGIN_KEYWORD];
  const pkgEngines = (manifest.engines ?? {}) as Record<string, unknown>;
  if (pkgEngines.aetherscript === undefined) manifest.engines = { ...pkgEngines, aetherscript: range };
  return { manifest, generated: false };
}

async function prepare(dir: string, options: PublishOptions, work: string): Promise<Prepared> {
  const source = path.resolve(dir);
  const problems: string[] = [];
  const fail = (message: string): never => {
    throw new RegistryError('EINVALIDPLUGIN', `${source}: ${message}`);
  };
  const pkg = await readJson(path.join(source, 'package.json')).catch((error: Error) =>
    fail(`package.json is not valid JSON (${error.message})`),
  );
  const declared = (pkg?.aetherscript as { plugin?: unknown } | undefined)?.plugin;
  const entryRel =
    typeof declared === 'string'
      ? path.posix.normalize(declared.replace(/^\.\//, ''))
      : LOCAL_ENTRY_FILES.find((file) => existsSync(path.join(source, file)));
  if (!entryRel || !existsSync(path.join(source, entryRel))) {
    return fail(`no plugin entry: add ${LOCAL_ENTRY_FILES.join(', ')} or a package.json with "aetherscript": { "plugin": "<file>" }.`);
  }
  const entry = path.join(source, entryRel);
  const read = readStaticMeta(await readFile(entry, 'utf8'), entry);
  if (!read.meta) return fail(`no meta can be read from ${entryRel}: ${read.problem ?? 'no static meta'}.`);
  const meta = read.meta;
  if (typeof meta.name !== 'string' || typeof meta.version !== 'string') {
    return fail(`meta.name and meta.version of ${entryRel} must be literal strings: they name the published package.`);
  }
  const checked = validateMeta(meta, { entry, dir: source, source: 'local' });
  for (const d of checked.diagnostics) if (d.severity === 'error') problems.push(d.message);
  const { manifest, generated } = manifestFor(pkg, meta, entryRel, problems);

  // The staged copy: <work>/ws/plugins/<name>/, the workspace signPluginFolder and the sandbox see.
  const stagingRoot = path.join(work, 'ws');
  const staged = path.join(stagingRoot, 'plugins', meta.name.replace(/^@/, '').replace('/', '__'));
  await mkdir(staged, { recursive: true });
  await cp(source, staged, {
    recursive: true,
    filter: (file) => {
      const rel = path.relative(source, file);
      if (rel === ATTESTATION_FILE) return false;
      return !rel.split(path.sep).some((part) => NOT_STAGED.has(part));
    },
  });
  await writeFile(path.join(staged, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const summary = latestBenchSummary(source, findWorkspaceRoot(source));
  if (summary) {
    const file = summaryFile(staged, stagingRoot);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify(summary));
  }

  let sandbox: PublishPreview['sandbox'];
  const testDir = path.join(staged, 'test');
  const hasCases = existsSync(testDir) && (await readdir(testDir)).some((f) => f.endsWith('.sandbox.yaml'));
  if (hasCases && !options.skipSandbox) {
    options.onProgress?.(`running the sandbox cases of ${meta.name}@${meta.version}`);
    const report = await runSandbox(staged, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.bundles ? { bundles: options.bundles } : {}),
    });
    const failures = [
      ...report.cases
        .filter((c) => c.status === 'failed')
        .map((c) => `${c.case}: ${c.error ?? c.failures.map((f) => JSON.stringify(f)).join('; ')}`),
      ...report.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    ];
    sandbox = { passed: report.passed, failed: report.failed, failures };
    if (report.status !== 'passed')
      problems.push(`its sandbox cases do not pass (${report.status}: ${failures.join('; ') || 'see aether dev plugin-test'}).`);
  }

  let signature: PublishPreview['signature'];
  let benchmarks: string | undefined;
  let publicKey: string | undefined;
  if (options.unsigned) {
    // Published as it is: no attestation, said so.
  } else if (!options.key) {
    problems.push(
      'it would be published unsigned: pass --key FILE (from `aether keys generate`) to sign it, or --unsigned to publish it unsigned.',
    );
  } else {
    options.onProgress?.(`signing ${meta.name}@${meta.version}`);
    const signed = await signPluginFolder(staged, path.resolve(options.key), stagingRoot).catch((error: Error) =>
      fail(`cannot sign: ${error.message}`),
    );
    signature = { keyId: signed.keyid };
    benchmarks =
      'recorded' in signed.benchmarks
        ? `${signed.benchmarks.recorded.benchmarks.length} signed, measured ${signed.benchmarks.recorded.time}`
        : signed.benchmarks.skipped;
    publicKey = createPublicKey(await loadPrivateKey(path.resolve(options.key))).export({ type: 'spki', format: 'pem' }) as string;
  }

  options.onProgress?.(`packing ${meta.name}@${meta.version}`);
  const settings = await loadNpmSettings(findWorkspaceRoot(source), options);
  const pack = require('libnpmpack') as (spec: string, opts: Record<string, unknown>) => Promise<Buffer>;
  const tarball = await pack(staged, { ...settings.flat, ignoreScripts: true, dryRun: true, packDestination: work });
  const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;

  // What npm packed, extracted and verified as a user's `plugins add` would.
  const tgz = path.join(work, 'package.tgz');
  await writeFile(tgz, tarball);
  const unpacked = path.join(work, 'unpacked');
  await pacote().extract(`file:${tgz}`, unpacked, { ...settings.flat, cache: path.join(work, 'cache') } as never);
  const listed = await listPluginFiles(unpacked);
  if (existsSync(path.join(unpacked, ATTESTATION_FILE))) listed.push(ATTESTATION_FILE);
  const files = await Promise.all(
    listed.sort().map(async (file) => ({ path: file, size: (await readFile(path.join(unpacked, file))).length })),
  );
  if (signature && publicKey) {
    const verified = await verifyPluginTree(unpacked, { name: meta.name, version: meta.version }, [
      { keyid: keyIdOf(publicKey), publicKey },
    ]);
    if (verified.result.status !== 'verified') {
      problems.push(
        `the packed tarball does not verify (${verified.result.message}); npm pack leaves out files the signature covers (check .npmignore / "files").`,
      );
    }
  }
  return {
    name: meta.name,
    version: meta.version,
    manifest,
    generatedManifest: generated,
    files,
    size: tarball.length,
    ...(signature ? { signature } : {}),
    problems,
    ...(sandbox ? { sandbox } : {}),
    ...(benchmarks ? { benchmarks } : {}),
    integrity,
    tarball,
  };
}

function preview(prepared: Prepared): PublishPreview {
  const { tarball: _tarball, name: _name, version: _version, ...shown } = prepared;
  return shown;
}

export async function preparePublish(dir: string, options: PublishOptions = {}): Promise<PublishPreview> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'aether-publish-'));
  try {
    return preview(await prepare(dir, options, work));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function publishPlugin(
  dir: string,
  options: PublishOptions & { dryRun?: boolean; onPrepared?: (preview: PublishPreview) => void } = {},
): Promise<{ name: string; version: string; registry: string; published: boolean }> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'aether-publish-'));
  try {
    const prepared = await prepare(dir, options, work);
    options.onPrepared?.(preview(prepared));
    const settings = await loadNpmSettings(findWorkspaceRoot(path.resolve(dir)), options);
    const registry = registryFor(settings, prepared.name);
    const id = `${prepared.name}@${prepared.version}`;
    if (prepared.problems.length > 0) {
      const unsignedOnly = prepared.problems.length === 1 && !prepared.signature && !options.unsigned;
      throw new RegistryError(
        unsignedOnly ? 'EUNSIGNED' : 'EINVALIDPLUGIN',
        `${id} was not published to ${registry}: ${prepared.problems.join(' ')}`,
        {
          registry,
          package: id,
        },
      );
    }
    if (options.dryRun) return { name: prepared.name, version: prepared.version, registry, published: false };
    options.onProgress?.(`publishing ${id} (${kb(prepared.size)}) to ${registry}`);
    const { publish } = require('libnpmpublish') as {
      publish: (manifest: unknown, tarball: Buffer, opts: Record<string, unknown>) => Promise<unknown>;
    };
    try {
      await publish(prepared.manifest, prepared.tarball!, {
        ...settings.flat,
        defaultTag: 'latest',
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      const e = error as { code?: string; statusCode?: number; message?: string };
      if (e.statusCode === 409 || e.code === 'E409' || /cannot publish over|previously published/i.test(e.message ?? '')) {
        throw new RegistryError(
          'EPUBLISHED',
          `${id} is already on ${registry}: a published version cannot be replaced; bump meta.version to publish again.`,
          {
            registry,
            package: id,
          },
        );
      }
      throw registryErrorOf(error, { registry, package: id, doing: 'Publishing' });
    }
    return { name: prepared.name, version: prepared.version, registry, published: true };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
