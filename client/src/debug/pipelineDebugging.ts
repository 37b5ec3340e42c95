// Debugger type `aether` (spec section 10): the runtime's own debug adapter, run inline in the
// extension host over the embedded runtime, so a debug run is recorded in the Runs view and the
// panels exactly as a normal run (through RunController). F5 on a pipeline works without a
// launch.json: the configuration provider fills one in for the active pipeline.
import * as vscode from 'vscode';
import path from 'node:path';
import type { RunOptions, RunResult } from '../../../runtime/src/engine/runPipeline';
import { embeddedRuntime } from '../embeddedRuntime';
import type { Ctx } from '../ctx';
import { PIPELINE_LANGUAGE } from '../ctx';

export const DEBUG_TYPE = 'aether';

/** Any enabled breakpoint in a JavaScript or TypeScript file: plugin code the user wants to stop in. */
function hasPluginBreakpoints(): boolean {
  return vscode.debug.breakpoints.some(
    (bp) => bp.enabled && /\.[cm]?[jt]sx?$/.test((bp as Partial<vscode.SourceBreakpoint>).location?.uri.path ?? ''),
  );
}

/**
 * A launch configuration for one pipeline file. Plugin code is debugged too (`debugPlugins`) when a
 * breakpoint is set in a plugin source, so F5 stops in both without a launch.json.
 */
export function debugConfigurationFor(file: string, extra: Partial<vscode.DebugConfiguration> = {}): vscode.DebugConfiguration {
  return {
    type: DEBUG_TYPE,
    request: 'launch',
    name: `Debug ${path.basename(file)}`,
    pipeline: file,
    ...(hasPluginBreakpoints() ? { debugPlugins: true } : {}),
    ...extra,
  };
}

class PipelineDebugConfigurations implements vscode.DebugConfigurationProvider {
  constructor(private readonly log: vscode.LogOutputChannel) {}

  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [debugConfigurationFor('${file}', { name: 'Debug the current pipeline' })];
  }

  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration | undefined {
    if (config.request === 'attach' && typeof config.port === 'number') {
      // The adapter's `startDebugging` reverse request for the plugin host's inspector. VS Code gives a
      // child session its parent's debugger type whatever the request says, so the attach configuration
      // arrives here as `aether`: hand it back to js-debug, which VS Code then resolves and starts as
      // the child of this session.
      this.log.info(`attaching the JavaScript debugger to the plugin host on port ${config.port}`);
      return { ...config, type: 'pwa-node' };
    }
    if (!config.type && !config.request && !config.name) {
      // F5 without a launch.json: debug the pipeline in the active editor.
      const document = vscode.window.activeTextEditor?.document;
      if (document?.languageId !== PIPELINE_LANGUAGE) {
        void vscode.window.showInformationMessage(
          'AetherScript: open a pipeline file (*.pipeline.yaml) to debug it, or add an "aether" configuration to launch.json.',
        );
        return undefined;
      }
      return this.resolveDebugConfiguration(_folder, debugConfigurationFor(document.uri.fsPath));
    }
    if (typeof config.pipeline !== 'string' || config.pipeline === '') {
      void vscode.window.showErrorMessage(
        'AetherScript: this debug configuration has no "pipeline" (the path of the pipeline file to run).',
      );
      return undefined;
    }
    // A configuration that does not say: debug plugin code when a breakpoint waits in it.
    const resolved = config.debugPlugins === undefined && hasPluginBreakpoints() ? { ...config, debugPlugins: true } : config;
    this.log.info(`debug ${resolved.pipeline}${resolved.debugPlugins ? ' with plugin code' : ''}`);
    return resolved;
  }
}

export function registerDebugging(ctx: Ctx): void {
  // The extension host learns the editor's breakpoints only once something asks for them (and then
  // asynchronously): ask now, so that F5 already knows whether a plugin source has one.
  void vscode.debug.breakpoints;
  ctx.push(vscode.debug.onDidChangeBreakpoints(() => undefined));
  ctx.push(vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new PipelineDebugConfigurations(ctx.log)));
  ctx.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () => {
        const execute = async (options: RunOptions): Promise<RunResult> => {
          const run = await ctx.runs.run({
            uri: vscode.Uri.file(options.file),
            debugPlugins: Boolean(options.debugPlugins),
            debug: { debugger: options.debugger, signal: options.signal, onEvent: options.onEvent, inspect: options.inspect },
          });
          return (
            run?.result ?? {
              status: 'invalid',
              exitCode: 2,
              diagnostics: [],
              error: run?.error ?? 'the pipeline was not run (is the workspace trusted?)',
            }
          );
        };
        const session = new (embeddedRuntime().AetherDebugSession)({ execute });
        return new vscode.DebugAdapterInlineImplementation(session as unknown as vscode.DebugAdapter);
      },
    }),
  );
}

/** "Debug Pipeline": the title bar, the context menu, the code lens and the palette. */
export async function debugPipeline(uri: vscode.Uri): Promise<boolean> {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return vscode.debug.startDebugging(folder, debugConfigurationFor(uri.fsPath));
}
