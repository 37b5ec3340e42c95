// `aether plugins add | update | remove`: every package is fetched and checked from its tarball first
// (packageCheck.ts); only what passes the workspace's trust policy is installed, by npm, into the
// workspace; the installed folders must then hold exactly the bytes that were checked, and
// `aether plugins sync` must accept the result. Any failure puts the workspace back as it was.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { syncPlugins } from '../engine/syncPlugins';
import { digestPluginFiles } from '../trust/digest';
import { fileListDigest } from '../trust/attestation';
import { describePermissions, type SignedPermissions } from '../model/permissions';
import type { TrustSettings } from '../config/trustConfig';
import { RegistryError, registryErrorOf } from './errors';
import { loadNpmSettings, type NpmSettings } from './npmConfig';
import { checkExtracted, fetchOptions, pacote, specName, type CheckedPackage } from './packageCheck';
import { checkFromRegistry, installedVersion } from './catalog';
import { npmErrorLines, runNpm } from './npmCli';
import { snapshotWorkspace } from './workspaceSnapshot';
import { statusRank, workspaceTrust } from './trustOf';
import type { AddResult, CatalogEntry, RegistryOptions, UpdateResult } from './types';

/** How deep plugin dependencies (meta.dependencies) are followed when adding. */
const MAX_DEPENDENCY_DEPTH = 8;

function attestationOf(checked: CheckedPackage): CatalogEntry['attestation'] {
  return {
    status: checked.attestation.status,
    message: checked.attestation.message,
    ...(checked.attestation.keyid ? { keyId: checked.attestation.keyid } : {}),
  };
}

/** Why `checked` may not be installed in this workspace, or undefined. */
function refusalOf(checked: CheckedPackage, trust: TrustSettings): RegistryError | undefined {
  const id = `${checked.name}@${checked.version}`;
  const details = { registry: checked.registry, package: id };
  if (checked.problems.length > 0) {
    return new RegistryError('ENOTPLUGIN', `${checked.problems.join(' ')} Nothing was installed.`, details);
  }
  if (!checked.compatible) {
    return new RegistryError(
      'EINCOMPATIBLE',
      `${id} requires AetherScript ${checked.runtimeRange ?? '?'}, which this runtime does not satisfy; pick a version made for this runtime (NAME@RANGE). Nothing was installed.`,
      details,
    );
  }
  if (trust.policy === 'require' && checked.attestation.status !== 'verified') {
    return new RegistryError(
      'EUNVERIFIED',
      `${checked.attestation.message} Refused: aether.trust.policy is "require" and ${id} from ${checked.registry} is not verified against the workspace's trusted keys (status ${checked.attestation.status}). Nothing was installed; trust its publisher's key with \`aether keys trust\` if you mean to.`,
      details,
    );
  }
  return undefined;
}

interface Session {
  root: string;
  settings: NpmSettings;
  trust: TrustSettings;
  /** A private cache for the checks: the bytes checked come from the registry, not from an earlier download. */
  cache: string;
  options: RegistryOptions;
}

async function openSession(root: string, options: RegistryOptions): Promise<Session> {
  const settings = await loadNpmSettings(root, options);
  const cache = await mkdtemp(path.join(os.tmpdir(), 'aether-registry-cache-'));
  return { root, settings, trust: workspaceTrust(root), cache, options };
}

async function closeSession(session: Session): Promise<void> {
  await rm(session.cache, { recursive: true, force: true });
}

async function check(session: Session, spec: string): Promise<CheckedPackage> {
  return checkFromRegistry(session.root, spec, session.settings, { ...session.options, cache: session.cache });
}

/** A plugin named `name` already in the workspace (installed package or local plugins/<name>/), with its version. */
async function presentPlugin(root: string, name: string): Promise<string | undefined> {
  const installed = await installedVersion(root, name);
  if (installed !== undefined) return installed;
  return existsSync(path.join(root, 'plugins', name)) ? 'local' : undefined;
}

/** `npm install <ids>` in the workspace, then the installed folders checked against what was verified, then sync. */
async function installChecked(session: Session, packages: CheckedPackage[], action: string): Promise<void> {
  const { root, settings, options } = session;
  const ids = packages.map((p) => `${p.name}@${p.version}`);
  const snapshot = await snapshotWorkspace(
    root,
    packages.map((p) => p.name),
  );
  try {
    options.onProgress?.(`installing ${ids.join(', ')} with npm from ${settings.registry}`);
    const run = await runNpm(settings, ['install', '--save', ...ids], options);
    if (options.signal?.aborted)
      throw new RegistryError('EABORTED', `${action} of ${ids.join(', ')} was cancelled; the workspace was left as it was.`);
    if (run.code !== 0) {
      const why = npmErrorLines(run.stderr) || `npm exited with ${run.code ?? run.signal}`;
      const unreachable = /ECONNREFUSED|ETIMEDOUT|ECONNRESET|ENOTFOUND|EAI_AGAIN|network/i.test(run.stderr);
      throw new RegistryError(
        unreachable ? 'EREGISTRY' : 'EINSTALL',
        `npm could not install ${ids.join(', ')} from ${settings.registry}${unreachable ? ' (the registry cannot be reached)' : ''}: ${why}. The workspace was left as it was.`,
        { registry: settings.registry, package: ids.join(', ') },
      );
    }
    // What npm put into node_modules must be exactly what was checked (same integrity, same files).
    for (const checked of packages) {
      const dir = path.join(root, 'node_modules', checked.name);
      const installedDigest = existsSync(dir) ? fileListDigest((await digestPluginFiles(dir)).files) : undefined;
      if (installedDigest !== checked.treeDigest) {
        throw new RegistryError(
          'EINTEGRITY',
          `npm installed ${checked.name}@${checked.version} with files that differ from the tarball that was verified (${checked.registry}); the workspace was left as it was. Try again, and report it to the registry's administrator if it persists.`,
          { registry: checked.registry, package: `${checked.name}@${checked.version}` },
        );
      }
    }
    await syncOrRefuse(
      root,
      options,
      ids.join(', '),
      (errors) =>
        `after installing ${ids.join(', ')}, \`aether plugins sync\` refused the workspace: ${errors}. The workspace was left as it was.`,
    );
    await snapshot.discard();
  } catch (error) {
    await snapshot.restore();
    if (error instanceof RegistryError) throw error;
    throw registryErrorOf(error, { registry: settings.registry, package: ids.join(', '), doing: action });
  }
}

export async function addPlugin(root: string, spec: string, options: RegistryOptions = {}): Promise<AddResult> {
  specName(spec);
  const session = await openSession(root, options);
  try {
    const main = await check(session, spec);
    const refusal = refusalOf(main, session.trust);
    if (refusal) throw refusal;
    // Plugins it depends on that the workspace lacks come along, each checked the same way.
    const toInstall = [main];
    const queue: Array<{ from: CheckedPackage; depth: number }> = [{ from: main, depth: 0 }];
    while (queue.length > 0) {
      const { from, depth } = queue.shift()!;
      const deps = (from.meta?.dependencies ?? {}) as Record<string, unknown>;
      for (const [dep, range] of Object.entries(deps)) {
        if (typeof range !== 'string' || toInstall.some((p) => p.name === dep)) continue;
        const present = await presentPlugin(root, dep);
        if (present === 'local' || (present !== undefined && semver.valid(present) && semver.satisfies(present, range))) continue;
        if (depth >= MAX_DEPENDENCY_DEPTH) {
          throw new RegistryError(
            'EINVALIDPLUGIN',
            `${main.name}'s plugin dependencies nest deeper than ${MAX_DEPENDENCY_DEPTH}; nothing was installed.`,
          );
        }
        options.onProgress?.(`${from.name} depends on ${dep} ${range}: checking it too`);
        const checked = await check(session, `${dep}@${range}`);
        const depRefusal = refusalOf(checked, session.trust);
        if (depRefusal) {
          throw new RegistryError(
            depRefusal.code,
            `${main.name}@${main.version} depends on ${dep} ${range}: ${depRefusal.message}`,
            depRefusal.details,
          );
        }
        toInstall.push(checked);
        queue.push({ from: checked, depth: depth + 1 });
      }
    }
    await installChecked(session, toInstall, 'Installing');
    const warnings = toInstall
      .filter((p) => p.attestation.status !== 'verified')
      .map((p) => `${p.attestation.message} Installed anyway: aether.trust.policy is "${session.trust.policy}".`);
    return {
      name: main.name,
      version: main.version,
      attestation: attestationOf(main),
      ...(toInstall.length > 1
        ? { dependencies: toInstall.slice(1).map((p) => ({ name: p.name, version: p.version, attestation: attestationOf(p) })) }
        : {}),
      ...(warnings.length ? { warnings } : {}),
    };
  } finally {
    await closeSession(session);
  }
}

/** Plugin packages the workspace's package.json depends on, with the range it asks for. */
async function installedPlugins(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  try {
    pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    return out;
  }
  for (const [name, range] of Object.entries({ ...pkg.devDependencies, ...pkg.dependencies })) {
    try {
      const installed = JSON.parse(await readFile(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
        aetherscript?: unknown;
      };
      if (installed.aetherscript !== undefined) out.set(name, range);
    } catch {
      // declared but not installed: not something update can compare against
    }
  }
  return out;
}

function permissionChanges(before: SignedPermissions, after: SignedPermissions): { added: string[]; removed: string[] } {
  const flat = (p: SignedPermissions) => [
    ...p.fs.read.map((x) => `read ${x}`),
    ...p.fs.write.map((x) => `write ${x}`),
    ...p.env.map((x) => `env ${x}`),
  ];
  const a = flat(before);
  const b = flat(after);
  return { added: b.filter((x) => !a.includes(x)), removed: a.filter((x) => !b.includes(x)) };
}

/** The diff an update shows: versions, attestation status and key, permissions added and removed. */
export function describeUpdate(from: CheckedPackage, to: CheckedPackage): string {
  const lines = [`${from.name} ${from.version} → ${to.version}`];
  const key = (c: CheckedPackage) => (c.attestation.keyid ? ` (key ${c.attestation.keyid.slice(0, 12)})` : '');
  lines.push(
    from.attestation.status === to.attestation.status && from.attestation.keyid === to.attestation.keyid
      ? `  attestation: ${to.attestation.status}${key(to)} (unchanged)`
      : `  attestation: ${from.attestation.status}${key(from)} → ${to.attestation.status}${key(to)}`,
  );
  const { added, removed } = permissionChanges(from.permissions, to.permissions);
  if (added.length === 0 && removed.length === 0) lines.push(`  permissions: ${describePermissions(to.permissions)} (unchanged)`);
  for (const p of added) lines.push(`  + permission ${p}`);
  for (const p of removed) lines.push(`  - permission ${p}`);
  if (from.runtimeRange !== to.runtimeRange) lines.push(`  runtime range: ${from.runtimeRange ?? 'any'} → ${to.runtimeRange ?? 'any'}`);
  return lines.join('\n');
}

export async function updatePlugins(
  root: string,
  name: string | undefined,
  options: RegistryOptions & { allowDowngrade?: boolean; allowPermissions?: boolean } = {},
): Promise<UpdateResult> {
  const plugins = await installedPlugins(root);
  if (name !== undefined && !plugins.has(name)) {
    throw new RegistryError(
      'ENOTINSTALLED',
      `${name} is not an installed plugin package of ${root} (not in package.json, or not in node_modules); add it with \`aether plugins add ${name}\`.`,
      { package: name },
    );
  }
  const session = await openSession(root, options);
  const result: UpdateResult = { updated: [], refused: [] };
  try {
    const accepted: CheckedPackage[] = [];
    const froms = new Map<string, string>();
    for (const [plugin, range] of plugins) {
      if (name !== undefined && plugin !== name) continue;
      const current = (await installedVersion(root, plugin))!;
      const wanted = semver.validRange(range) ? `${plugin}@${range}` : `${plugin}@latest`;
      let latest: string;
      try {
        latest = (
          await pacote().manifest(
            wanted,
            fetchOptions(session.settings, { cache: session.cache, ...(options.signal ? { signal: options.signal } : {}) }),
          )
        ).version;
      } catch (error) {
        throw registryErrorOf(error, { registry: session.settings.registry, package: wanted, doing: 'Resolving' });
      }
      if (!semver.gt(latest, current)) {
        options.onProgress?.(`${plugin}@${current} is up to date (${wanted})`);
        continue;
      }
      const installed = await checkExtracted(path.join(root, 'node_modules', plugin), { registry: 'the workspace' }, session.trust.keys);
      const next = await check(session, `${plugin}@${latest}`);
      const diff = describeUpdate(installed, next);
      const reasons: string[] = [];
      const refusal = refusalOf(next, session.trust);
      if (refusal) reasons.push(refusal.message);
      if (statusRank(next.attestation.status) < statusRank(installed.attestation.status) && !options.allowDowngrade) {
        reasons.push(
          `its attestation would go from ${installed.attestation.status} to ${next.attestation.status} (${next.attestation.message}); pass --allow-downgrade to accept that.`,
        );
      }
      const { added } = permissionChanges(installed.permissions, next.permissions);
      if (added.length > 0 && !options.allowPermissions) {
        reasons.push(`it asks for permissions it did not have (${added.join(', ')}); pass --allow-permissions to grant them.`);
      }
      if (reasons.length > 0) {
        result.refused.push({ name: plugin, reason: `update of ${plugin} ${current} → ${latest} refused: ${reasons.join(' ')}`, diff });
        continue;
      }
      accepted.push(next);
      froms.set(plugin, current);
      options.onProgress?.(diff);
    }
    if (accepted.length > 0) {
      await installChecked(session, accepted, 'Updating');
      for (const next of accepted) result.updated.push({ name: next.name, from: froms.get(next.name)!, to: next.version });
    }
    return result;
  } finally {
    await closeSession(session);
  }
}

/**
 * `aether plugins sync` after npm changed node_modules; a workspace it refuses is an error (the caller
 * restores its snapshot), whose message `refusal` words from the sync's errors.
 */
async function syncOrRefuse(root: string, options: RegistryOptions, packages: string, refusal: (errors: string) => string): Promise<void> {
  options.onProgress?.('syncing plugins (aether plugins sync)');
  const synced = await syncPlugins(root, options.bundles);
  if (synced.ok) return;
  const errors = synced.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
  throw new RegistryError('EINVALIDPLUGIN', refusal(errors.join('; ')), { package: packages });
}

export async function removePlugin(root: string, name: string, options: RegistryOptions = {}): Promise<void> {
  const plugins = await installedPlugins(root);
  if (!plugins.has(name)) {
    throw new RegistryError(
      'ENOTINSTALLED',
      `${name} is not an installed plugin package of ${root} (not in package.json, or not in node_modules).`,
      {
        package: name,
      },
    );
  }
  const settings = await loadNpmSettings(root, options);
  const snapshot = await snapshotWorkspace(root, [name]);
  try {
    options.onProgress?.(`removing ${name} with npm`);
    const run = await runNpm(settings, ['uninstall', '--save', name], options);
    if (options.signal?.aborted) throw new RegistryError('EABORTED', `removing ${name} was cancelled; the workspace was left as it was.`);
    if (run.code !== 0) {
      throw new RegistryError(
        'EINSTALL',
        `npm could not remove ${name}: ${npmErrorLines(run.stderr) || `exit ${run.code ?? run.signal}`}. The workspace was left as it was.`,
        {
          package: name,
        },
      );
    }
    await syncOrRefuse(
      root,
      options,
      name,
      (errors) =>
        `without ${name}, \`aether plugins sync\` refuses the workspace: ${errors}. Remove the plugins that depend on it first; the workspace was left as it was.`,
    );
    await snapshot.discard();
  } catch (error) {
    await snapshot.restore();
    throw error instanceof RegistryError
      ? error
      : registryErrorOf(error, { registry: settings.registry, package: name, doing: 'Removing' });
  }
}
