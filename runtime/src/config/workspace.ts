// Where a workspace starts, and its runtime configuration (`aether.config.json`).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AetherInputError } from '../model/diagnostics';

export const CONFIG_FILE = 'aether.config.json';

/**
 * The workspace of a file or folder: the nearest folder, walking up, that has an
 * `aether.config.json`, a `plugins/` folder, a `node_modules/` folder or a `package.json`.
 */
export function findWorkspaceRoot(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (['aether.config.json', 'plugins', 'node_modules', 'package.json'].some((name) => existsSync(path.join(dir, name)))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start);
    dir = parent;
  }
}

/** One entry of `aether.plugins`, as `aether plugins sync` writes it. */
export interface SyncedPlugin {
  name: string;
  version: string;
  /** npm package name, or the local folder relative to the workspace. */
  package: string;
  /** Entry file relative to the workspace, POSIX separators. */
  entry: string;
  /** `sha256-<hex>` over the plugin's files (see trust/digest). */
  integrity: string;
  attestation: string;
  order: number;
}

export interface AetherConfig {
  /** The whole parsed file, to keep its other keys when writing. */
  raw: Record<string, unknown>;
  file: string;
  exists: boolean;
  plugins?: SyncedPlugin[];
}

export function readConfig(workspaceRoot: string): AetherConfig {
  const file = path.join(workspaceRoot, CONFIG_FILE);
  if (!existsSync(file)) return { raw: {}, file, exists: false };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AetherInputError(
      `${file}: not valid JSON (${(error as Error).message}); fix the file or delete it and run \`aether plugins sync\``,
      [{ code: 'config/invalid-json', severity: 'error', message: (error as Error).message, file }],
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AetherInputError(`${file}: the configuration must be a JSON object`);
  }
  const aether = (raw as Record<string, unknown>).aether as Record<string, unknown> | undefined;
  const plugins = aether?.plugins;
  if (plugins !== undefined && !Array.isArray(plugins)) {
    throw new AetherInputError(`${file}: aether.plugins must be a list; run \`aether plugins sync\` to rewrite it`);
  }
  return { raw: raw as Record<string, unknown>, file, exists: true, plugins: plugins as SyncedPlugin[] | undefined };
}
