// Starts `aether debug-adapter` from the built CLI: DebugClient spawns `node <one file>`, with no
// room for a subcommand.
require('../../../runtime/dist/cli.js').main(['debug-adapter']);
