// The runtime's own version: what `engines.aetherscript` and a pipeline's `runtime:` are checked against.
import runtimePackage from '../package.json';

export const RUNTIME_VERSION: string = runtimePackage.version;
