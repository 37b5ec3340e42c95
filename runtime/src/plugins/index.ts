// The plugin model of the runtime: discover, validate, order, and map commands. Nothing here executes
// plugin code; the plugin host loads modules in its own isolate.
export { discoverPlugins, displayPath, compareCodePoints, LOCAL_ENTRY_FILES, type DiscoveryResult } from './discovery';
export { validateMeta, checkEngine, commandsOf, type MetaValidation } from './meta';
export { resolveLoadOrder, missingDependencies, type LoadOrderResult } from './loadOrder';
export { buildCommandTable, resolveCommand, describeOverrides, qualifiedName, splitCommandRef, type CommandOverride } from './commands';
