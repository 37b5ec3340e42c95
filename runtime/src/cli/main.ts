// The `aether` command line (spec section 6). Exit codes: 0 success; 1 the run or a test failed;
// 2 the input is invalid (bad pipeline, bad config, unknown command, plugin load error).
import { Command, CommanderError, Option } from 'commander';
import { RUNTIME_VERSION } from '../version';
import { AetherInputError } from '../model/diagnostics';
import { colorsFor, formatDiagnostic } from './terminal';
import { runCommand } from './commands/run';
import { validateCommand } from './commands/validate';
import { VALIDATE_FORMATS } from './diagnosticFormats';
import { pluginsListCommand, pluginsSyncCommand, pluginsSignCommand } from './commands/plugins';
import { keysGenerateCommand, keysTrustCommand } from './commands/keys';
import { debugAdapterCommand } from './commands/debugAdapter';
import { pluginTestCommand } from './commands/pluginTest';
import { pluginBenchCommand } from './commands/pluginBench';
import {
  pluginsAddCommand,
  pluginsInfoCommand,
  pluginsPublishCommand,
  pluginsRemoveCommand,
  pluginsSearchCommand,
  pluginsUpdateCommand,
} from './commands/registry';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_INVALID = 2;

function buildProgram(): Command {
  const program = new Command('aether')
    .description('AetherScript: run pipelines of isolated plugins')
    .version(RUNTIME_VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(colorsFor(process.stderr).red(text)) });

  program
    .command('run')
    .description('validate a pipeline, then run it')
    .argument('<pipeline>', 'pipeline file (*.pipeline.yaml)')
    .option('--debug-plugins', 'trace every plugin call, hook, state write, worker and limit into plugins.log')
    .option('--json', 'stream events as NDJSON on stdout')
    .option('--workspace <dir>', 'workspace folder (default: found from the pipeline file)')
    .option('--inspect [port]', 'open the Node inspector on 127.0.0.1 for plugin code (default port 9229); timeouts are suspended')
    .option('--inspect-brk [port]', 'as --inspect, and wait for a debugger to attach before any plugin code runs')
    .action(async (file: string, options) => {
      process.exitCode = await runCommand(file, options);
    });

  program
    .command('validate')
    .description('report the same diagnostics as the editor, for CI')
    .argument('<files...>', 'pipeline files')
    .option('--json', 'print diagnostics as JSON (as --format json)')
    .addOption(
      new Option('--format <format>', 'text; json; github (workflow annotations); sarif (SARIF 2.1.0)')
        .choices(VALIDATE_FORMATS)
        .default('text'),
    )
    .action(async (files: string[], options) => {
      process.exitCode = await validateCommand(files, options);
    });

  const plugins = program.command('plugins').description('discover, inspect, sync and sign plugins');
  plugins
    .command('sync')
    .description('discover, validate and order plugins, and write aether.plugins into aether.config.json')
    .option('--json', 'print the result as JSON')
    .option('--workspace <dir>', 'workspace folder (default: found from the current folder)')
    .action(async (options) => {
      process.exitCode = await pluginsSyncCommand(options);
    });
  plugins
    .command('list')
    .description('list the active plugins')
    .option('--verbose', 'add the load sequence with reasons, commands, overrides and hooks')
    .option('--json', 'print the list as JSON')
    .option('--workspace <dir>', 'workspace folder (default: found from the current folder)')
    .action(async (options) => {
      process.exitCode = await pluginsListCommand(options);
    });
  plugins
    .command('sign')
    .description('sign a plugin folder: writes aetherscript.attestation.json')
    .argument('<plugin-dir>', 'the plugin folder')
    .requiredOption('--key <file>', 'private key file (from `aether keys generate`)')
    .action(async (dir: string, options) => {
      process.exitCode = await pluginsSignCommand(dir, options);
    });

  // Spec section 12: the registry the workspace's npm configuration names (.npmrc), or --registry.
  const registryOption = ['--registry <url>', "npm registry (default: the workspace's npm configuration)"] as const;
  plugins
    .command('search')
    .description('search the registry for plugins (keyword aetherscript-plugin), each checked from its tarball')
    .argument('[query]', 'text to search for (default: every plugin)')
    .option(...registryOption)
    .option('--json', 'print the results as JSON')
    .option('--workspace <dir>', 'workspace folder (default: found from the current folder)')
    .action(async (query: string | undefined, options) => {
      process.exitCode = await pluginsSearchCommand(query, options);
    });
  plugins
    .command('info')
    .description('one plugin package from the registry: attestation, permissions, benchmarks, commands, files')
    .argument('<spec>', 'NAME or NAME@RANGE')
    .option(...registryOption)
    .option('--json', 'print the detail as JSON')
    .option('--workspace <dir>', 'workspace folder (default: found from the current folder)')
    .action(async (spec: string, options) => {
      process.exitCode = await pluginsInfoCommand(spec, options);
    });
  plugins
    .command('add')
    .description('fetch and verify a plugin from the registry, then install it with npm and sync')
    .argument('<spec>', 'NAME or NAME@RANGE')
    .option(...registryOption)
    .option('--json', 'print the result as JSON')
    .option('--workspace <dir>', 'workspace folder (default: found from the current folder)')
    .action(async (spec: string, options) => {
      process.exitCode = await pluginsAddCommand(spec, options);
    });
  plugins
    .command('update')
    .description('update installed plugin packages, refusing trust downgrades and new permissions unless allowed')
    .argument('[name]', 'only this plugin')
    .option('--allow-downgrade', 'accept an update whose attestation status is lower than the installed one')
    .option('--allow-permissions', 'accept an update that asks for more permissions')
    .option(...registryOption)
    .option('--json', 'print the result as JSON')
    .option('--workspace <dir>', 'workspace folder (default: found from the current folder)')
    .action(async (name: string | undefined, options) => {
      process.exitCode = await pluginsUpdateCommand(name, options);
    });
  plugins
    .command('remove')
    .description('uninstall a plugin package with npm, then sync')
    .argument('<name>', 'the package name')
    .option(...registryOption)
    .option('--json', 'print the result as JSON')
    .option('--workspace <dir>', 'workspace folder (default: found from the current folder)')
    .action(async (name: string, options) => {
      process.exitCode = await pluginsRemoveCommand(name, options);
    });
  plugins
    .command('publish')
    .description('check, test (sandbox cases), sign and publish a plugin folder to the registry')
    .argument('<dir>', 'the plugin folder (a package.json is made from meta when it has none)')
    .option('--key <file>', 'private key to sign with (from `aether keys generate`)')
    .option('--unsigned', 'publish without signing')
    .option('--dry-run', 'show the manifest, files, size and signature, and stop')
    .option(...registryOption)
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, options) => {
      process.exitCode = await pluginsPublishCommand(dir, options);
    });

  const keys = program.command('keys').description('signing keys for plugin attestation');
  keys
    .command('generate')
    .description('write an Ed25519 key pair: aether-signing.key (0600) and aether-signing.pub')
    .option('--out <dir>', 'folder for the key files', '.')
    .action(async (options) => {
      process.exitCode = await keysGenerateCommand(options);
    });
  keys
    .command('trust')
    .description('add a public key to aether.trust.keys in aether.config.json')
    .argument('<pub-file>', 'public key file (SPKI PEM)')
    .option('--workspace <dir>', 'workspace folder (default: found from the current folder)')
    .action(async (file: string, options) => {
      process.exitCode = await keysTrustCommand(file, options);
    });

  const dev = program.command('dev').description('tools for plugin authors');
  dev
    .command('plugin-test')
    .description("run a plugin's sandbox cases (test/*.sandbox.yaml), each against a fresh isolated instance")
    .argument('<plugin-dir>', 'the plugin folder')
    .option('--case <name>', 'run only the case with this exact name')
    .option('--json', 'print one NDJSON object per case, then a summary')
    .action(async (dir: string, options) => {
      process.exitCode = await pluginTestCommand(dir, options);
    });
  dev
    .command('plugin-bench')
    .description("benchmark a plugin (test/*.bench.yaml) in its isolated host, beside the runtime's reference no-op")
    .argument('<plugin-dir>', 'the plugin folder')
    .option('--case <name>', 'run only the benchmark with this exact name')
    .option('--json', 'print NDJSON: the reference, one object per benchmark, then a summary')
    .option('--save-baseline', 'write test/bench-baseline.json from this run (commit it)')
    .option('--threshold <percent>', 'allowed slowdown against the baseline before failing (default 10%)')
    .action(async (dir: string, options) => {
      process.exitCode = await pluginBenchCommand(dir, options);
    });

  program
    .command('debug-adapter')
    .description('speak the Debug Adapter Protocol on stdin/stdout (for editors: VS Code, nvim-dap, Helix, Emacs dap-mode)')
    .action(async () => {
      process.exitCode = await debugAdapterCommand();
    });

  return program;
}

/**
 * A reader that goes away (`aether run --json | head -1`) must not kill a run half-way: the run goes on,
 * its record gets every event up to `run-end`, and output to the closed pipe is dropped.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  ignoreClosedPipes();
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with code 0.
      return error.exitCode === 0 ? EXIT_OK : EXIT_INVALID;
    }
    const colors = colorsFor(process.stderr);
    if (error instanceof AetherInputError) {
      process.stderr.write(`${colors.red('error')}: ${error.message}\n`);
      for (const diagnostic of error.diagnostics) process.stderr.write(`  ${formatDiagnostic(diagnostic, colors)}\n`);
      return EXIT_INVALID;
    }
    process.stderr.write(`${colors.red('internal error')}: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT_FAILED;
  }
}
