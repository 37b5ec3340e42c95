// Finding, installing and publishing plugins over an npm registry (spec section 12).
// The editor's Plugins view and the `aether plugins search|add|update|remove|publish` commands both
// call these functions; they run no plugin code and leave the workspace as it was when they fail.

/** One search result: a plugin package as the registry has it, checked from its tarball. */
export interface CatalogEntry {
  name: string;
  version: string;
  description?: string;
  compatible: boolean;
  runtimeRange?: string;
  attestation: { status: string; message?: string; keyId?: string };
  permissions?: unknown;
  benchmarks?: unknown;
  installedVersion?: string;
}

/** A catalog entry with what a detail page shows. */
export interface PluginDetail extends CatalogEntry {
  readme?: string;
  meta?: unknown;
  files?: { path: string; size: number }[];
}

/** Options shared by every registry operation. */
export interface RegistryOptions {
  registry?: string;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

/** A refusal or failure that names the registry or package and what to do. */
export class RegistryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

function notImplemented(): never {
  throw new RegistryError('ENOTIMPLEMENTED', 'not implemented');
}

export async function searchPlugins(_root: string, _query: string, _options?: RegistryOptions): Promise<CatalogEntry[]> {
  return notImplemented();
}

export async function inspectPlugin(_root: string, _spec: string, _options?: RegistryOptions): Promise<PluginDetail> {
  return notImplemented();
}

export async function addPlugin(
  _root: string,
  _spec: string,
  _options?: RegistryOptions,
): Promise<{ name: string; version: string; attestation: CatalogEntry['attestation'] }> {
  return notImplemented();
}

export async function updatePlugins(
  _root: string,
  _name: string | undefined,
  _options?: RegistryOptions & { allowDowngrade?: boolean; allowPermissions?: boolean },
): Promise<{ updated: { name: string; from: string; to: string }[]; refused: { name: string; reason: string; diff: string }[] }> {
  return notImplemented();
}

export async function removePlugin(_root: string, _name: string, _options?: RegistryOptions): Promise<void> {
  return notImplemented();
}

export async function preparePublish(
  _dir: string,
  _options?: RegistryOptions & { unsigned?: boolean; key?: string },
): Promise<{
  manifest: Record<string, unknown>;
  files: { path: string; size: number }[];
  size: number;
  signature?: { keyId: string };
  problems: string[];
}> {
  return notImplemented();
}

export async function publishPlugin(
  _dir: string,
  _options?: RegistryOptions & { unsigned?: boolean; key?: string; dryRun?: boolean },
): Promise<{ name: string; version: string; registry: string }> {
  return notImplemented();
}
