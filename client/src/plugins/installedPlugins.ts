// The workspace's plugins as the Plugins view and the Load Order graph show them: found as the runtime
// finds them (the synced `aether.plugins` list, else discovery), meta read statically from the source and
// the attestation checked against `aether.trust.keys`. Reads files only; no plugin code runs, so it works
// in an untrusted workspace too. Bundled into dist/client/runtime.js.
import { readFile } from 'node:fs/promises';
import { discoverWithConfig } from '../../../runtime/src/workspace/nodeWorkspace';
import { readStaticMeta } from '../../../runtime/src/plugins/staticMeta';
import { workspaceTrust } from '../../../runtime/src/registry/trustOf';
import { verifyPlugin } from '../../../runtime/src/trust/attestation';
import { signedPermissions } from '../../../runtime/src/model/permissions';
import type { PluginPermissions } from '../../../runtime/src/model/plugin';
import type { InstalledPlugin } from './pluginsModel';

export async function readInstalledPlugins(root: string): Promise<InstalledPlugin[]> {
  const discovered = await discoverWithConfig(root);
  let trust: ReturnType<typeof workspaceTrust> | undefined;
  let trustProblem: string | undefined;
  try {
    trust = workspaceTrust(root);
  } catch (error) {
    trustProblem = (error as Error).message;
  }
  return Promise.all(
    discovered.candidates.map(async (candidate): Promise<InstalledPlugin> => {
      let text = '';
      try {
        text = await readFile(candidate.entry, 'utf8');
      } catch {
        // reported below as a meta problem
      }
      const read = text ? readStaticMeta(text, candidate.entry) : { meta: undefined, problem: 'its entry cannot be read' };
      const meta = read.meta as
        | { name?: unknown; version?: unknown; commands?: unknown; hooks?: unknown; permissions?: unknown; description?: unknown }
        | undefined;
      const name = typeof meta?.name === 'string' ? meta.name : (candidate.packageName ?? candidate.dir.split(/[\\/]/).pop() ?? '?');
      const version = typeof meta?.version === 'string' ? meta.version : (candidate.packageVersion ?? '?');
      let attestation: InstalledPlugin['attestation'];
      if (trustProblem) attestation = { status: 'unchecked', message: trustProblem };
      else if (trust!.policy === 'off') attestation = { status: 'unchecked', message: 'aether.trust.policy is "off": not checked.' };
      else {
        try {
          const result = await verifyPlugin(candidate.dir, meta ? { name, version } : undefined, trust!.keys, `${name}@${version}`);
          attestation = { status: result.status, message: result.message, ...(result.keyid ? { keyId: result.keyid } : {}) };
        } catch (error) {
          attestation = { status: 'malformed', message: (error as Error).message };
        }
      }
      const commands =
        meta?.commands && typeof meta.commands === 'object' && !Array.isArray(meta.commands) ? Object.keys(meta.commands) : [name];
      return {
        name,
        version,
        source: candidate.source,
        dir: candidate.dir,
        entry: candidate.entry,
        ...(candidate.packageName ? { packageName: candidate.packageName } : {}),
        ...(typeof meta?.description === 'string' ? { description: meta.description } : {}),
        attestation,
        permissions: signedPermissions(meta?.permissions as PluginPermissions | undefined),
        commands,
        hooks: Array.isArray(meta?.hooks) ? meta.hooks.filter((h): h is string => typeof h === 'string') : [],
        ...(read.meta ? {} : { problem: read.problem ?? 'no static meta' }),
      };
    }),
  );
}
