// `aether plugins list | sync | sign`
import path from 'node:path';
import { describeOverrides, commandsOf } from '../../plugins';
import { inspectWorkspacePlugins } from '../../engine/workspacePlugins';
import { syncPlugins } from '../../engine/syncPlugins';
import { findWorkspaceRoot } from '../../config/workspace';
import { describePermissions, signedPermissions } from '../../model/permissions';
import { signPluginFolder } from '../../engine/signPlugin';
import type { SignedBenchmarks } from '../../trust/attestation';
import { colorsFor, formatDiagnostic, type Colors } from '../terminal';
import { workspaceFrom } from './shared';
import { ms } from './pluginBench';

interface ListOptions {
  verbose?: boolean;
  json?: boolean;
  workspace?: string;
}

export async function pluginsListCommand(options: ListOptions): Promise<number> {
  const root = workspaceFrom(options.workspace);
  const inspected = await inspectWorkspacePlugins({ workspaceRoot: root });
  const { set } = inspected;
  const overrides = describeOverrides(set.commands);
  const errors = inspected.diagnostics.filter((d) => d.severity === 'error');

  if (options.json) {
    const plugins = set.plugins.map((plugin) => ({
      name: plugin.meta.name,
      version: plugin.meta.version,
      description: plugin.meta.description,
      source: plugin.source,
      entry: path.relative(root, plugin.entry).split(path.sep).join('/'),
      order: plugin.order,
      reason: plugin.reason,
      dependencies: plugin.meta.dependencies ?? {},
      commands: Object.entries(commandsOf(plugin.meta)).map(([command, meta]) => {
        const winner = set.commands.byName.get(command);
        return {
          name: command,
          description: meta.description,
          active: winner?.plugin === plugin.meta.name,
          overriddenBy: winner && winner.plugin !== plugin.meta.name ? winner.plugin : undefined,
        };
      }),
      hooks: plugin.meta.hooks ?? [],
      permissions: signedPermissions(plugin.meta.permissions),
      attestation: {
        status: plugin.attestation?.status ?? 'unchecked',
        ...(plugin.attestation?.keyid ? { keyid: plugin.attestation.keyid } : {}),
        ...(plugin.attestation?.benchmarks ? { benchmarks: plugin.attestation.benchmarks } : {}),
      },
    }));
    process.stdout.write(
      `${JSON.stringify({ workspace: root, plugins, overrides, diagnostics: inspected.diagnostics, faults: inspected.faults }, null, 2)}\n`,
    );
    return errors.length > 0 || inspected.faults.length > 0 ? 2 : 0;
  }

  const c = colorsFor(process.stdout);
  const source = inspected.config.plugins
    ? `aether.plugins in ${path.relative(process.cwd(), inspected.config.file)}`
    : 'discovered (no aether.plugins yet: `aether plugins sync` pins this list)';
  process.stdout.write(
    `${c.bold(`${set.plugins.length} active plugin${set.plugins.length === 1 ? '' : 's'}`)} ${c.dim(`in ${root} · ${source}`)}\n`,
  );
  for (const plugin of set.plugins) {
    const where = c.dim(path.relative(root, plugin.entry));
    process.stdout.write(
      `  ${options.verbose ? `${plugin.order + 1}. ` : ''}${c.bold(plugin.meta.name)}@${plugin.meta.version} ${where}\n`,
    );
    if (!options.verbose) continue;
    process.stdout.write(`     ${c.dim('position:')} ${plugin.reason}\n`);
    const { status, keyid } = plugin.attestation ?? { status: 'unchecked' };
    const shown = status === 'verified' ? c.green(status) : status === 'unchecked' ? c.dim(status) : c.yellow(status);
    process.stdout.write(`     ${c.dim('attestation:')} ${shown}${keyid ? ` ${c.dim(`(key ${keyid})`)}` : ''}\n`);
    process.stdout.write(`     ${c.dim('permissions:')} ${describePermissions(signedPermissions(plugin.meta.permissions))}\n`);
    if (plugin.attestation?.benchmarks) process.stdout.write(describeSignedBenchmarks(plugin.attestation.benchmarks, c));
    const commands = Object.keys(commandsOf(plugin.meta));
    if (commands.length > 0) {
      const described = commands.map((command) => {
        const winner = set.commands.byName.get(command);
        if (winner && winner.plugin !== plugin.meta.name)
          return `${command} ${c.yellow(`(overridden by ${winner.plugin}; use ${plugin.meta.name}/${command})`)}`;
        if (winner && winner.shadows.length > 0) return `${command} ${c.cyan(`(overrides ${winner.shadows.join(', ')})`)}`;
        return command;
      });
      process.stdout.write(`     ${c.dim('commands:')} ${described.join(', ')}\n`);
    }
    if (plugin.meta.hooks?.length) process.stdout.write(`     ${c.dim('hooks:')} ${plugin.meta.hooks.join(', ')}\n`);
    const deps = Object.entries(plugin.meta.dependencies ?? {});
    if (deps.length > 0)
      process.stdout.write(`     ${c.dim('depends on:')} ${deps.map(([name, range]) => `${name} ${range}`).join(', ')}\n`);
  }
  if (options.verbose && overrides.length > 0) {
    process.stdout.write(`${c.bold('overrides')} ${c.dim('(last-loaded wins)')}\n`);
    for (const override of overrides)
      process.stdout.write(`  ${override.command}: ${c.bold(override.winner)} over ${override.shadowed.join(', ')}\n`);
  }
  const errColors = colorsFor(process.stderr);
  for (const diagnostic of inspected.diagnostics) process.stderr.write(`${formatDiagnostic(diagnostic, errColors)}\n`);
  for (const fault of inspected.faults)
    process.stderr.write(`${errColors.red('error')}: plugin "${fault.plugin}" failed while loading: ${fault.fault.message}\n`);
  return errors.length > 0 || inspected.faults.length > 0 ? 2 : 0;
}

export async function pluginsSyncCommand(options: { json?: boolean; workspace?: string }): Promise<number> {
  const root = workspaceFrom(options.workspace);
  const result = await syncPlugins(root);
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.ok ? 0 : 2;
  }
  const errColors = colorsFor(process.stderr);
  for (const diagnostic of result.diagnostics) process.stderr.write(`${formatDiagnostic(diagnostic, errColors)}\n`);
  if (!result.ok) {
    process.stderr.write(`${errColors.red('sync failed')}: ${path.relative(process.cwd(), result.file)} was left as it was\n`);
    return 2;
  }
  const c = colorsFor(process.stdout);
  process.stdout.write(
    `${c.green('✓')} ${result.plugins.length} plugins synced into ${path.relative(process.cwd(), result.file) || result.file}${result.changed ? '' : c.dim(' (unchanged)')}\n`,
  );
  for (const plugin of result.plugins)
    process.stdout.write(
      `  ${plugin.order + 1}. ${plugin.name}@${plugin.version} ${c.dim(plugin.entry)} ${c.dim(`attestation: ${plugin.attestation}`)}\n`,
    );
  return 0;
}

export async function pluginsSignCommand(dir: string, options: { key: string }): Promise<number> {
  const pluginDir = path.resolve(dir);
  const root = findWorkspaceRoot(path.dirname(pluginDir));
  // Read statically and signed as read: no plugin code runs, signed or not.
  const signed = await signPluginFolder(pluginDir, path.resolve(options.key), root);
  const c = colorsFor(process.stdout);
  process.stdout.write(
    `${c.green('✓')} signed ${c.bold(signed.subject)} with key ${signed.keyid}\n  ${path.relative(process.cwd(), signed.file)}\n  ${c.dim(`${signed.files} file${signed.files === 1 ? '' : 's'} · permissions:`)} ${describePermissions(signed.permissions)}\n`,
  );
  if ('recorded' in signed.benchmarks) {
    const { benchmarks, time, source } = signed.benchmarks.recorded;
    process.stdout.write(
      `  ${c.dim('benchmarks:')} ${benchmarks.length} signed, measured ${time} ${c.dim(`(${source === 'baseline' ? 'test/bench-baseline.json' : 'the last plugin-bench run'})`)}\n`,
    );
  } else {
    process.stdout.write(`  ${c.dim(`benchmarks: none signed: ${signed.benchmarks.skipped}`)}\n`);
  }
  return 0;
}

/** A ratio to the reference no-op: one decimal while small, whole and grouped once large. */
export function times(ratio: number): string {
  return ratio < 100 ? `${ratio.toFixed(1)}x` : `${Math.round(ratio).toLocaleString('en-US')}x`;
}

/** The signed figures under a plugin in `plugins list --verbose`: when and where, then one line per benchmark. */
export function describeSignedBenchmarks(signed: SignedBenchmarks, c: Colors): string {
  const where = `${signed.machine.cpu}, ${signed.machine.cores} cores, Node ${signed.machine.node.replace(/^v/, '')}`;
  let text = `     ${c.dim('benchmarks:')} signed, measured ${signed.time} ${c.dim(`(${signed.source}; ${signed.library}; ${where}; reference no-op ${ms(signed.reference.medianMs)})`)}\n`;
  for (const b of signed.benchmarks) {
    const figures =
      b.status === 'failed'
        ? c.red(`failed${b.error ? `: ${b.error}` : ''}`)
        : `median ${ms(b.medianMs)}  p99 ${ms(b.p99Ms)}  ${Math.round(b.opsPerSec).toLocaleString('en-US')} ops/s${b.ratio === undefined ? '' : `  ${times(b.ratio)} the no-op`}${b.status === 'slower' ? ` ${c.yellow('(slower than its baseline)')}` : ''}`;
    text += `       ${b.name}: ${figures}\n`;
  }
  return text;
}
