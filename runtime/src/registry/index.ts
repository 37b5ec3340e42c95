// Finding, installing and publishing plugins over an npm registry (spec section 12), on npm's own
// machinery: pacote (resolve, fetch, integrity, extract), libnpmsearch, libnpmpublish, libnpmpack and
// the npm CLI for installs, with the workspace's npm configuration (@npmcli/config). The editor's
// Plugins view and `aether plugins search|add|update|remove|publish` both call these functions; they
// run no code of a package before it is verified and leave the workspace as it was when they fail.
export type { CatalogEntry, PluginDetail, RegistryOptions, AddResult, UpdateResult, PublishPreview } from './types';
export { RegistryError } from './errors';
export { searchPlugins, inspectPlugin, PLUGIN_KEYWORD } from './catalog';
export { addPlugin, updatePlugins, removePlugin } from './install';
export { preparePublish, publishPlugin } from './publish';
export { statusRank } from './trustOf';
