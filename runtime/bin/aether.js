#!/usr/bin/env node
// Thin launcher: the CLI itself is the esbuild bundle built by `npm run build` (run by `prepare`).
require('../dist/cli.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
