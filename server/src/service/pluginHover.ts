// Hover in plugin sources: over `static meta`, what the runtime will make of it before any of the
// plugin runs: its name and version (the signed subject), its commands and hooks, and above all its
// permissions, which the runtime enforces and the attestation covers (spec section 7).
import { MarkupKind, type Hover } from 'vscode-languageserver-types';
import type { PluginPermissions } from '../../../runtime/src/model/plugin';
import { signedPermissions } from '../../../runtime/src/model/permissions';
import type { PluginSourceInfo } from './pluginSource';

export function hoverPluginSource(info: PluginSourceInfo, offset: number): Hover | null {
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
