// The plugin registry as the Plugins view uses it, built as its own bundle (dist/client/registry.js)
// with npm's libraries (pacote, libnpmsearch, libnpmpack, libnpmpublish, @npmcli/config) bundled in:
// megabytes that only a search, install or publish needs, loaded on the first one, never at activation.
export {
  searchPlugins,
  inspectPlugin,
  addPlugin,
  updatePlugins,
  removePlugin,
  preparePublish,
  publishPlugin,
  RegistryError,
  statusRank,
} from '../../../runtime/src/registry';
