// `aether plugins search | add | update | remove | publish` (spec section 12). Progress lines go to
// stderr, results to stdout (`--json`: one JSON document). Exit codes per section 6: 0 done; 1 the
// operation failed (registry down, integrity, npm, a sandbox case); 2 refused (unverified, incompatible,
// a downgrade or new permissions on update, an unsigned publish…); 130 cancelled.
import path from 'node:path';
import {
  addPlugin,
  inspectPlugin,
  publishPlugin,
  RegistryError,
  removePlugin,
  searchPlugins,
  updatePlugins,
  type CatalogEntry,
  type PublishPreview,
} from '../../registry';
import { describePermissions, type SignedPermissions } from '../../model/permissions';
import { colorsFor, type Colors } from '../terminal';
import { workspaceFrom } from './shared';

interface Common {
  json?: boolean;
  workspace?: string;
  registry?: string;
}

function progress(json: boolean | undefined): (line: string) => void {
  const c = colorsFor(process.stderr);
  return (line) => process.stderr.write(`${json ? '' : c.dim('… ')}${line}\n`);
}

function cancelOnSigint(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** Runs `fn`, turning a RegistryError into its message on stderr (or JSON) and exit code. */
async function guarded(json: boolean | undefined, fn: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const cancel = cancelOnSigint();
  try {
    return await fn(cancel.signal);
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    if (json)
      process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message, ...error.details } }, null, 2)}\n`);
    process.stderr.write(`${colorsFor(process.stderr).red('error')}: ${error.message}\n`);
    if (error.details.diff) process.stderr.write(`${error.details.diff}\n`);
    return error.exitCode;
  } finally {
    cancel.dispose();
  }
}

function statusText(status: string, c: Colors): string {
  if (status === 'verified') return c.green(status);
  if (status === 'unsigned' || status === 'unknown-key' || status === 'unchecked') return c.yellow(status);
  return c.red(status);
}

function describeEntry(entry: CatalogEntry, c: Colors): string {
  const lines = [
    `${c.bold(entry.name)}@${entry.version}${entry.installedVersion ? c.dim(` (installed ${entry.installedVersion})`) : ''}${entry.description ? ` ${c.dim('—')} ${entry.description}` : ''}`,
    `    ${c.dim('runtime:')} ${entry.compatible ? c.green('compatible') : c.red('incompatible')}${entry.runtimeRange ? c.dim(` (${entry.runtimeRange})`) : ''}  ${c.dim('attestation:')} ${statusText(entry.attestation.status, c)}${entry.attestation.keyId ? c.dim(` (key ${entry.attestation.keyId.slice(0, 16)})`) : ''}`,
    `    ${c.dim('permissions:')} ${describePermissions(entry.permissions as SignedPermissions | undefined)}`,
  ];
  const bench = entry.benchmarks as
    { benchmarks?: Array<{ name: string; medianMs: number; opsPerSec: number; ratio?: number }>; time?: string } | undefined;
  if (bench?.benchmarks?.length) {
    const shown = bench.benchmarks
      .map(
        (b) =>
          `${b.name} ${b.medianMs.toFixed(3)} ms median, ${Math.round(b.opsPerSec)} ops/s${b.ratio !== undefined ? `, ×${b.ratio.toFixed(1)} the no-op` : ''}`,
      )
      .join('; ');
    lines.push(`    ${c.dim('signed benchmarks:')} ${shown}`);
  }
  for (const problem of entry.problems ?? []) lines.push(`    ${c.red('!')} ${problem}`);
  return lines.join('\n');
}

export async function pluginsSearchCommand(query: string | undefined, options: Common): Promise<number> {
  return guarded(options.json, async (signal) => {
    const root = workspaceFrom(options.workspace);
    const entries = await searchPlugins(root, query ?? '', {
      ...(options.registry ? { registry: options.registry } : {}),
      signal,
      onProgress: progress(options.json),
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ query: query ?? '', plugins: entries }, null, 2)}\n`);
      return 0;
    }
    const c = colorsFor(process.stdout);
    process.stdout.write(`${c.bold(`${entries.length} plugin${entries.length === 1 ? '' : 's'}`)}${query ? ` matching "${query}"` : ''}\n`);
    for (const entry of entries) process.stdout.write(`  ${describeEntry(entry, c)}\n`);
    return 0;
  });
}

export async function pluginsInfoCommand(spec: string, options: Common): Promise<number> {
  return guarded(options.json, async (signal) => {
    const root = workspaceFrom(options.workspace);
    const detail = await inspectPlugin(root, spec, {
      ...(options.registry ? { registry: options.registry } : {}),
      signal,
      onProgress: progress(options.json),
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(detail, null, 2)}\n`);
      return 0;
    }
    const c = colorsFor(process.stdout);
    process.stdout.write(`${describeEntry(detail, c)}\n`);
    const meta = detail.meta as { commands?: Record<string, unknown>; hooks?: string[] } | undefined;
    if (meta?.commands) process.stdout.write(`    ${c.dim('commands:')} ${Object.keys(meta.commands).join(', ')}\n`);
    if (meta?.hooks?.length) process.stdout.write(`    ${c.dim('hooks:')} ${meta.hooks.join(', ')}\n`);
    process.stdout.write(`    ${c.dim('files:')} ${(detail.files ?? []).map((f) => f.path).join(', ')}\n`);
    return 0;
  });
}

export async function pluginsAddCommand(spec: string, options: Common): Promise<number> {
  return guarded(options.json, async (signal) => {
    const root = workspaceFrom(options.workspace);
    const added = await addPlugin(root, spec, {
      ...(options.registry ? { registry: options.registry } : {}),
      signal,
      onProgress: progress(options.json),
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(added, null, 2)}\n`);
      return 0;
    }
    const c = colorsFor(process.stdout);
    for (const warning of added.warnings ?? []) process.stderr.write(`${colorsFor(process.stderr).yellow('warning')}: ${warning}\n`);
    process.stdout.write(
      `${c.green('✓')} added ${c.bold(`${added.name}@${added.version}`)} ${c.dim('attestation:')} ${statusText(added.attestation.status, c)}\n`,
    );
    for (const dep of added.dependencies ?? [])
      process.stdout.write(
        `  ${c.dim('with its dependency')} ${dep.name}@${dep.version} ${c.dim('attestation:')} ${statusText(dep.attestation.status, c)}\n`,
      );
    return 0;
  });
}

export async function pluginsUpdateCommand(
  name: string | undefined,
  options: Common & { allowDowngrade?: boolean; allowPermissions?: boolean },
): Promise<number> {
  return guarded(options.json, async (signal) => {
    const root = workspaceFrom(options.workspace);
    const result = await updatePlugins(root, name, {
      ...(options.registry ? { registry: options.registry } : {}),
      signal,
      onProgress: progress(options.json),
      allowDowngrade: options.allowDowngrade === true,
      allowPermissions: options.allowPermissions === true,
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return result.refused.length > 0 ? 2 : 0;
    }
    const c = colorsFor(process.stdout);
    for (const u of result.updated) process.stdout.write(`${c.green('✓')} updated ${c.bold(u.name)} ${u.from} → ${u.to}\n`);
    for (const r of result.refused) {
      process.stderr.write(`${colorsFor(process.stderr).red('refused')}: ${r.reason}\n${r.diff}\n`);
    }
    if (result.updated.length === 0 && result.refused.length === 0) process.stdout.write(`${c.dim('=')} everything is up to date\n`);
    return result.refused.length > 0 ? 2 : 0;
  });
}

export async function pluginsRemoveCommand(name: string, options: Common): Promise<number> {
  return guarded(options.json, async (signal) => {
    const root = workspaceFrom(options.workspace);
    await removePlugin(root, name, {
      ...(options.registry ? { registry: options.registry } : {}),
      signal,
      onProgress: progress(options.json),
    });
    if (options.json) process.stdout.write(`${JSON.stringify({ removed: name }, null, 2)}\n`);
    else process.stdout.write(`${colorsFor(process.stdout).green('✓')} removed ${name}\n`);
    return 0;
  });
}

function describePreview(shown: PublishPreview, c: Colors): string {
  const lines = [
    `${c.bold('manifest')}${shown.generatedManifest ? c.dim(' (made from meta: the folder has no package.json)') : ''}:`,
    ...JSON.stringify(shown.manifest, null, 2)
      .split('\n')
      .map((line) => `  ${line}`),
    `${c.bold('files')} (${shown.files.length}, tarball ${shown.size} bytes${shown.integrity ? `, ${shown.integrity.slice(0, 24)}…` : ''}):`,
    ...shown.files.map((f) => `  ${String(f.size).padStart(8)}  ${f.path}`),
    `${c.bold('signature')}: ${shown.signature ? `key ${shown.signature.keyId}` : c.yellow('none (unsigned)')}`,
  ];
  if (shown.benchmarks) lines.push(`${c.bold('benchmarks')}: ${shown.benchmarks}`);
  if (shown.sandbox) lines.push(`${c.bold('sandbox')}: ${shown.sandbox.passed} passed, ${shown.sandbox.failed} failed`);
  for (const problem of shown.problems) lines.push(`${c.red('problem')}: ${problem}`);
  return `${lines.join('\n')}\n`;
}

export async function pluginsPublishCommand(
  dir: string,
  options: Common & { dryRun?: boolean; unsigned?: boolean; key?: string },
): Promise<number> {
  return guarded(options.json, async (signal) => {
    let shown: PublishPreview | undefined;
    const published = await publishPlugin(path.resolve(dir), {
      ...(options.registry ? { registry: options.registry } : {}),
      signal,
      onProgress: progress(options.json),
      ...(options.unsigned ? { unsigned: true } : {}),
      ...(options.key ? { key: options.key } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
      onPrepared: (preview) => {
        shown = preview;
        if (!options.json) process.stdout.write(describePreview(preview, colorsFor(process.stdout)));
      },
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ...published, preview: shown }, null, 2)}\n`);
      return 0;
    }
    const c = colorsFor(process.stdout);
    process.stdout.write(
      published.published
        ? `${c.green('✓')} published ${c.bold(`${published.name}@${published.version}`)} to ${published.registry}\n`
        : `${c.dim('=')} dry run: ${published.name}@${published.version} would be published to ${published.registry}; nothing was published\n`,
    );
    return 0;
  });
}
