// In-memory workspaces for service tests: files in a map, discovery stubbed from the files' layout.
import type { PluginCandidate } from '../../../runtime/src/model/catalog';
import type { FileSystem } from '../../../runtime/src/workspace/workspaceIndex';
import { WorkspaceIndex } from '../../../runtime/src/workspace/workspaceIndex';

export const ROOT = '/ws';

export function memoryFs(files: Map<string, string>): FileSystem {
  return { readFile: async (path) => files.get(path) };
}

/** Local plugins only: every `/ws/plugins/<name>/index.ts` (or .js) is a candidate. */
export function memoryDiscover(files: Map<string, string>) {
  return async (root: string) => {
    const candidates: PluginCandidate[] = [];
    for (const path of [...files.keys()].sort()) {
      const match = /^(.*\/plugins\/([^/]+))\/index\.(ts|js|mjs)$/.exec(path);
      if (match && path.startsWith(`${root}/`)) candidates.push({ entry: path, dir: match[1]!, source: 'local' });
    }
    return { candidates, diagnostics: [] };
  };
}

/** A plugin module with the given meta (as source text) and the usual members. */
export function pluginSource(meta: string, members = 'async execute(ctx) { return ctx.input; }'): string {
  return `export default class P {\n  static meta = ${meta};\n  ${members}\n}\n`;
}

export async function memoryIndex(
  plugins: Record<string, string>,
  root = ROOT,
): Promise<{ index: WorkspaceIndex; files: Map<string, string> }> {
  const files = new Map(Object.entries(plugins).map(([name, text]) => [`${root}/plugins/${name}/index.ts`, text]));
  const index = new WorkspaceIndex(root, { fs: memoryFs(files), discover: memoryDiscover(files), runtimeVersion: '1.2.0' });
  await index.refresh();
  return { index, files };
}

/** Splits `text` at its `|` caret marker: the text without it and the caret's offset. */
export function caret(text: string): { text: string; offset: number } {
  const offset = text.indexOf('|');
  if (offset < 0) throw new Error('no | caret in text');
  return { text: text.slice(0, offset) + text.slice(offset + 1), offset };
}

/** The standard plugin set of the service tests. */
export const PLUGINS: Record<string, string> = {
  bundler: pluginSource(`{ name: 'bundler', version: '1.0.0', description: 'Bundles sources',
    commands: {
      bundle: { description: 'Bundle an entry point', input: { type: 'object', required: ['entry'], additionalProperties: false,
        properties: { entry: { type: 'string', description: 'Entry file' }, minify: { type: 'boolean' } } } },
      clean: { description: 'Remove build output' },
    },
    config: { type: 'object', additionalProperties: false, properties: { outDir: { type: 'string' } } } }`),
  's3-upload': pluginSource(`{ name: 's3-upload', version: '1.4.0', description: 'Uploads artifacts to S3',
    dependencies: { 'aws-auth': '^2.0.0' },
    commands: { upload: { description: 'Upload files', input: { type: 'object', required: ['file'], properties: { file: { type: 'string' } } } } },
    config: { type: 'object', required: ['bucket'], properties: { bucket: { type: 'string' } } } }`),
  'aws-auth': pluginSource(`{ name: 'aws-auth', version: '2.1.0', commands: { login: { description: 'Log in to AWS' } } }`),
  'fast-bundler': pluginSource(`{ name: 'fast-bundler', version: '0.3.0', dependencies: { bundler: '^1.0.0' },
    commands: { bundle: { description: 'Bundle, faster', input: { type: 'object', properties: { entry: { type: 'string' } } } } } }`),
  legacy: pluginSource(`{ name: 'legacy', version: '0.1.0', engines: { aetherscript: '^0.9.0' } }`),
  notify: pluginSource(`{ name: 'notify', version: '1.0.0', description: 'Posts a message' }`),
};
