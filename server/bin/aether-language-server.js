#!/usr/bin/env node
// Thin launcher for the bundled language server (`npx aether-language-server --stdio`).
require('../dist/server.js');
