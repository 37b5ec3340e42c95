// Hover in plugin sources: over `static meta`, what the runtime will make of it before any of the
// plugin runs: its name and version (the signed subject), its commands and hooks, and above all its
// permissions, which the runtime enforces and the attestation covers (spec section 7), and its
// benchmark figures, signed with it when `aether plugins sign` recorded them (spec section 11).
import { MarkupKind, type Hover } from 'vscode-languageserver-types';
import type { PluginPermissions } from '../../../runtime/src/model/plugin';
import { signedPermissions } from '../../../runtime/src/model/permissions';
import type { PluginBenchFigures } from './benchFigures';
import type { PluginSourceInfo } from '../../../runtime/src/workspace/pluginSource';

/** `benchmarks` is asked only when the caret is over the meta (it may read the disk). */
export function hoverPluginSource(info: PluginSourceInfo, offset: number, benchmarks?: () => PluginBenchFigures | undefined): Hover | null {
  const span = info.metaRange;
  if (!span || offset < span.start || offset > span.end) return null;
  const meta = (info.metaValue ?? {}) as {
    name?: unknown;
    version?: unknown;
    commands?: Record<string, unknown>;
    hooks?: unknown[];
    permissions?: PluginPermissions;
  };
  const lines = [
    `**${typeof meta.name === 'string' ? meta.name : '(no name)'}** ${typeof meta.version === 'string' ? meta.version : '(no version)'}`,
  ];
  const commands = Object.keys(meta.commands ?? {});
  if (commands.length) lines.push(`Commands: ${commands.map((c) => `\`${c}\``).join(', ')}`);
  if (Array.isArray(meta.hooks) && meta.hooks.length) lines.push(`Hooks: ${meta.hooks.join(', ')}`);
  lines.push(
    permissionsDoc(
      meta.permissions,
      info.unknowns.some((u) => u.path[0] === 'permissions'),
    ),
  );
  const figures = benchmarks?.();
  if (figures) lines.push(benchmarksDoc(figures));
  return {
    contents: { kind: MarkupKind.Markdown, value: lines.join('\n\n') },
    range: { start: info.lineIndex.positionAt(span.start), end: info.lineIndex.positionAt(span.end) },
  };
}

function permissionsDoc(declared: PluginPermissions | undefined, notLiteral: boolean): string {
  if (notLiteral) {
    return '**Permissions**: not a literal, so the runtime cannot read them before the plugin runs; the plugin will be refused. Write `permissions` out as a literal object.';
  }
  const p = signedPermissions(declared);
  const list = (paths: string[]) => paths.map((x) => `\`${x}\``).join(', ');
  const rows = [
    `- reads: its own folder${p.fs.read.length ? `, ${list(p.fs.read)}` : ''}${p.fs.write.length ? `, ${list(p.fs.write)}` : ''}`,
    `- writes: ${p.fs.write.length ? list(p.fs.write) : 'nowhere'}`,
    `- environment: ${p.env.length ? list(p.env) : 'no variables'}`,
    '- never: child processes, native addons, `aether.config.json`, `.aether/`, `node_modules/`, other plugins',
  ];
  return ['**Permissions** (relative to the workspace; enforced by the runtime and covered by the plugin’s signature):', ...rows].join(
    '\n',
  );
}

/** A duration in the unit that reads best (as `aether dev plugin-bench` prints it). */
function ms(value: number): string {
  if (value < 0.001) return `${(value * 1e6).toFixed(0)} ns`;
  if (value < 1) return `${(value * 1000).toFixed(value < 0.01 ? 2 : 1)} µs`;
  if (value < 1000) return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

function benchmarksDoc({ signed, figures }: PluginBenchFigures): string {
  const when = figures.time.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const where = `${figures.machine.cpu}, ${figures.machine.cores} cores, Node ${figures.machine.node.replace(/^v/, '')}`;
  const origin = signed
    ? 'signed with the plugin (recorded in its attestation by `aether plugins sign`)'
    : `not signed: the latest ${figures.source === 'baseline' ? 'baseline (test/bench-baseline.json)' : '`aether dev plugin-bench` run'}; \`aether plugins sign\` records it`;
  const rows = figures.benchmarks.map((b) => {
    const name = b.name.replace(/\|/g, '\\|');
    if (b.status === 'failed') return `| ${name} | failed | | | |`;
    const ratio = b.ratio === undefined ? '' : b.ratio < 100 ? `${b.ratio.toFixed(1)}x` : `${Math.round(b.ratio).toLocaleString('en-US')}x`;
    return `| ${name}${b.status === 'slower' ? ' (slower than baseline)' : ''} | ${ms(b.medianMs)} | ${ms(b.p99Ms)} | ${Math.round(b.opsPerSec).toLocaleString('en-US')} | ${ratio} |`;
  });
  return [
    `**Benchmarks**, ${origin}; measured ${when} on ${where}, reference no-op ${ms(figures.reference.medianMs)}:`,
    '',
    '| benchmark | median | p99 | ops/s | × no-op |',
    '|---|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}
