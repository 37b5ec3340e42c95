// `aether dev plugin-test` as a library (spec section 8): finds a plugin's `test/*.sandbox.yaml`, checks
// them, and runs every case against a fresh, isolated instance of the plugin (its own worker in the
// plugin host, under the plugin's real limits), then compares what happened with what the case expects.
// The VS Code extension calls `runSandbox` directly; the CLI prints its results.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AetherDiagnostic, SourceRange } from '../model/diagnostics';
import type { PluginCandidate } from '../model/catalog';
import type { CommandMeta, JsonValue, PluginMeta, VisualizationPoint } from '../model/plugin';
import type { ContextSnapshot, PluginFault } from '../host/protocol';
import type { HostGrant, HostNotification, InspectOptions } from '../host/hostClient';
import { PluginHosts } from '../host/hostPool';
import { readConfig } from '../config/workspace';
import { readTrustSettings } from '../config/trustConfig';
import { signedPermissions, verifyPluginTree, type AttestationResult, type VerifiedTree } from '../trust/attestation';
import { readStaticMeta } from '../plugins/staticMeta';
import { grantOf } from '../plugins/permissions';
import { packageClosure } from '../plugins/dependencies';
import { compilePlugin, PluginCompileError } from '../host/compile';
import { validateMeta, checkEngine, commandsOf } from '../plugins';
import { callLimitsOf, SPEC_DEFAULT_LIMITS, type LimitDefaults } from '../engine/limits';
import { validateAgainst } from '../engine/schemaValidator';
import { defaultBundles, type RuntimeBundles } from '../engine/runtimePaths';
import { tmpdir } from 'node:os';
import { findWorkspaceRoot } from '../config/workspace';
import { didYouMean } from '../pipeline/suggestions';
import { RUNTIME_VERSION } from '../version';
import { parseSandboxFile, type SandboxCase, type SandboxFile } from './sandboxFile';
import { compareCase, type CaseOutcome, type SandboxFailure } from './compareCase';
import type { LogLine } from './matchers';

/** The result of one case; also the `--json` line the editor's test view reads. */
export interface SandboxCaseResult {
  type: 'case';
  /** The plugin's `meta.name`. */
  plugin: string;
  /** Absolute path of the sandbox file. */
  file: string;
  case: string;
  /** 1-based line where the case starts. */
  line: number;
  status: 'passed' | 'failed';
  durationMs: number;
  failures: SandboxFailure[];
  /** What the case did, for the test view's output pane. */
  logs: LogLine[];
  metrics: VisualizationPoint[];
  /** The case's error when it failed (its status, not the comparison). */
  error?: string;
}

export interface SandboxOptions {
  /** Run only the case with exactly this name (an unknown name is invalid input). */
  caseName?: string;
  /** Cancels the run: `ctx.signal` fires in the running case, which is stopped after `cancelGraceMs`. */
  signal?: AbortSignal;
  cancelGraceMs?: number;
  /** Called as each case starts (the editor's test view marks it running). */
  onCaseStart?: (started: { plugin: string; file: string; case: string; line: number }) => void;
  /** Called as each case finishes, for streaming (`--json`, the editor). */
  onCase?: (result: SandboxCaseResult) => void;
  bundles?: RuntimeBundles;
  /** Limits of a plugin whose meta sets none (the editor's settings); spec section 3 when absent. */
  defaultLimits?: Partial<LimitDefaults>;
  /**
   * Debug the cases (the Testing view's Debug profile): the plugin host opens the Node inspector and
   * calls no timeout while a debugger may hold the plugin (spec section 10).
   */
  inspect?: InspectOptions;
}

export interface SandboxReport {
  pluginDir: string;
  /** `invalid`: a sandbox file, the plugin or `--case` is wrong; nothing ran (exit code 2). */
  status: 'passed' | 'failed' | 'invalid' | 'cancelled';
  exitCode: 0 | 1 | 2 | 130;
  /** The sandbox files found, absolute. */
  files: string[];
  cases: SandboxCaseResult[];
  passed: number;
  failed: number;
  /** Why the input is invalid, each with its file and position. */
  diagnostics: AetherDiagnostic[];
  /**
   * The plugin's attestation against the workspace's trusted keys: a sandbox run tests the code on
   * disk, which may not be what was signed, and says so.
   */
  attestation?: AttestationResult;
}

/** The sandbox's compile cache: never the plugin's own folder (a signed plugin would count as changed). */
export const SANDBOX_CACHE_DIR = path.join(tmpdir(), 'aetherscript', 'plugin-cache');

/** Cases run on one plugin host before it is replaced, so idle workers of earlier cases do not pile up. */
const CASES_PER_HOST = 16;

/** A plugin entry compiled, probed and validated once; every case then loads it into a fresh worker. */
interface PreparedPlugin {
  entry: string;
  bundleFile: string;
  meta: PluginMeta;
  commands: Record<string, CommandMeta>;
  /** What its host may touch: what its meta declares, as in a run. */
  grant: HostGrant;
  /** Where its modules load from (`ctx.spawnWorker` resolves against it). */
  moduleDir: string;
}

export async function runSandbox(pluginDir: string, options: SandboxOptions = {}): Promise<SandboxReport> {
  const dir = path.resolve(pluginDir);
  const report: SandboxReport = {
    pluginDir: dir,
    status: 'invalid',
    exitCode: 2,
    files: [],
    cases: [],
    passed: 0,
    failed: 0,
    diagnostics: [],
  };
  const invalid = (code: string, message: string, file?: string, range?: SourceRange): void => {
    report.diagnostics.push({ code, severity: 'error', message, ...(file ? { file } : {}), ...(range ? { range } : {}) });
  };

  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    invalid('sandbox/no-plugin-dir', `${pluginDir} is not a folder: pass the plugin's folder (the one holding test/*.sandbox.yaml)`, dir);
    return report;
  }
  const testDir = path.join(dir, 'test');
  report.files = existsSync(testDir)
    ? readdirSync(testDir)
        .filter((name) => name.endsWith('.sandbox.yaml'))
        .sort()
        .map((name) => path.join(testDir, name))
    : [];
  if (report.files.length === 0) {
    invalid('sandbox/no-files', `${pluginDir} has no sandbox cases: add test/<name>.sandbox.yaml with \`plugin:\` and \`cases:\``, testDir);
    return report;
  }

  const sandboxes: SandboxFile[] = [];
  for (const file of report.files) {
    const parsed = parseSandboxFile(readFileSync(file, 'utf8'), file);
    report.diagnostics.push(...parsed.diagnostics);
    if (parsed.sandbox) sandboxes.push(parsed.sandbox);
  }
  if (report.diagnostics.length > 0) return report;

  let selected = sandboxes.map((sandbox) => ({ sandbox, cases: sandbox.cases }));
  if (options.caseName !== undefined) {
    const wanted = options.caseName;
    selected = selected
      .map(({ sandbox, cases }) => ({ sandbox, cases: cases.filter((c) => c.name === wanted) }))
      .filter(({ cases }) => cases.length > 0);
    if (selected.length === 0) {
      const names = sandboxes.flatMap((sandbox) => sandbox.cases.map((c) => c.name));
      invalid(
        'sandbox/unknown-case',
        `no case is named "${wanted}".${didYouMean(wanted, names)} Cases: ${names.map((name) => JSON.stringify(name)).join(', ')}`,
      );
      return report;
    }
  }

  const workspaceRoot = findWorkspaceRoot(dir);
  const bundles = options.bundles ?? defaultBundles();
  const limitDefaults: LimitDefaults = { ...SPEC_DEFAULT_LIMITS, ...options.defaultLimits };
  const collectors = new Map<number, Collector>();
  let crashed = false;
  const verified = await sandboxAttestation(dir, workspaceRoot);
  report.attestation = verified.result;
  const newHost = () =>
    new PluginHosts({
      ...(options.inspect ? { inspect: options.inspect } : {}),
      hostModule: bundles.hostModule,
      cwd: workspaceRoot,
      onNotification: (message) => collectors.get(message.pluginId)?.take(message),
      onCrash: () => {
        crashed = true;
      },
    });
  let host = newHost();
  let nextPluginId = 1;

  const signal = options.signal;
  let grace: ReturnType<typeof setTimeout> | undefined;
  /** Set while a case's plugin instance is loading or running: only then is there something to stop. */
  let caseRunning = false;
  const stopCase = () => {
    if (!caseRunning || grace) return;
    host.abort('the sandbox run was cancelled');
    grace = setTimeout(
      () => host.kill('was stopped: the sandbox run was cancelled and the grace period ran out'),
      options.cancelGraceMs ?? 3000,
    );
    grace.unref();
  };
  // Before the cases start (compiling, probing the plugin) cancelling just waits for that short step:
  // killing a host that is still starting would leave its start pending.
  const onAbort = () => stopCase();
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    // Each plugin entry once: compile, load a probe instance to read its meta, validate.
    const prepared = new Map<string, PreparedPlugin>();
    for (const { sandbox, cases } of selected) {
      let plugin = prepared.get(sandbox.plugin);
      if (!plugin) {
        const result = await preparePlugin(sandbox, dir, workspaceRoot, bundles, host, nextPluginId++, limitDefaults, verified);
        report.diagnostics.push(...result.diagnostics);
        if (!result.plugin) continue;
        plugin = result.plugin;
        prepared.set(sandbox.plugin, plugin);
      }
      for (const entry of cases) {
        if (commandName(entry.command, plugin) !== undefined) continue;
        const known = Object.keys(plugin.commands);
        invalid(
          'sandbox/unknown-command',
          `case "${entry.name}": plugin "${plugin.meta.name}" has no command "${entry.command}".${didYouMean(entry.command, known)} Its commands: ${known.join(', ')}`,
          sandbox.file,
          entry.commandRange,
        );
      }
    }
    if (report.diagnostics.some((d) => d.severity === 'error')) return report;
    if (signal?.aborted) return Object.assign(report, { status: 'cancelled', exitCode: 130 });

    let casesOnHost = 0;
    outer: for (const { sandbox, cases } of selected) {
      const plugin = prepared.get(sandbox.plugin)!;
      for (const entry of cases) {
        if (signal?.aborted) break outer;
        if (crashed || casesOnHost >= CASES_PER_HOST) {
          // A fresh host instead of one that would reload every earlier case's instance.
          await host.shutdown();
          host = newHost();
          crashed = false;
          casesOnHost = 0;
        }
        casesOnHost++;
        const pluginId = nextPluginId++;
        const collector = new Collector(entry.state);
        collectors.set(pluginId, collector);
        const started = performance.now();
        caseRunning = true;
        options.onCaseStart?.({ plugin: plugin.meta.name, file: sandbox.file, case: entry.name, line: entry.range.line });
        const outcome = await runCase(host, pluginId, plugin, sandbox, entry, dir, workspaceRoot, collector, limitDefaults).finally(() => {
          caseRunning = false;
        });
        collectors.delete(pluginId);
        const failures = compareCase(entry.expect, outcome);
        const result: SandboxCaseResult = {
          type: 'case',
          plugin: plugin.meta.name,
          file: sandbox.file,
          case: entry.name,
          line: entry.range.line,
          status: failures.length === 0 ? 'passed' : 'failed',
          durationMs: Math.round(performance.now() - started),
          failures,
          logs: outcome.logs,
          metrics: outcome.metrics,
          ...(outcome.error !== undefined ? { error: outcome.error } : {}),
        };
        report.cases.push(result);
        if (result.status === 'passed') report.passed++;
        else report.failed++;
        options.onCase?.(result);
      }
    }
    if (signal?.aborted) Object.assign(report, { status: 'cancelled', exitCode: 130 });
    else Object.assign(report, report.failed > 0 ? { status: 'failed', exitCode: 1 } : { status: 'passed', exitCode: 0 });
    return report;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    clearTimeout(grace);
    await host.shutdown();
  }
}

/** Logs, metrics and state writes of one case's plugin instance, from the host's notifications. */
class Collector {
  readonly logs: LogLine[] = [];
  readonly metrics: VisualizationPoint[] = [];
  readonly state: Record<string, JsonValue>;

  constructor(initial: Record<string, JsonValue>) {
    this.state = structuredClone(initial);
  }

  take(message: HostNotification): void {
    switch (message.type) {
      case 'log':
        this.logs.push({ level: message.level, message: message.message });
        return;
      case 'metrics':
        for (const point of message.points) {
          const { time: _time, callId: _callId, ...fields } = point as VisualizationPoint & { time?: number; callId?: number };
          this.metrics.push(fields);
        }
        if (message.dropped > 0) this.logs.push({ level: 'warn', message: `ctx.visualize dropped ${message.dropped} oldest points` });
        return;
      case 'state-set':
        this.state[message.key] = message.value;
        return;
      default:
        // Limits reach the case as its fault; worker traces are not part of a case's result.
        return;
    }
  }
}

/** The bare command a case's `command` names in this plugin (`name` or `plugin-name/name`), if any. */
function commandName(command: string, plugin: PreparedPlugin): string | undefined {
  if (Object.hasOwn(plugin.commands, command)) return command;
  const prefix = `${plugin.meta.name}/`;
  if (command.startsWith(prefix) && Object.hasOwn(plugin.commands, command.slice(prefix.length))) return command.slice(prefix.length);
  return undefined;
}

function packageInfo(dir: string): Pick<PluginCandidate, 'packageName' | 'packageVersion' | 'packageEngine'> {
  try {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name?: unknown;
      version?: unknown;
      engines?: { aetherscript?: unknown };
    };
    return {
      ...(typeof pkg.name === 'string' ? { packageName: pkg.name } : {}),
      ...(typeof pkg.version === 'string' ? { packageVersion: pkg.version } : {}),
      ...(typeof pkg.engines?.aetherscript === 'string' ? { packageEngine: pkg.engines.aetherscript } : {}),
    };
  } catch {
    return {};
  }
}

async function preparePlugin(
  sandbox: SandboxFile,
  dir: string,
  workspaceRoot: string,
  bundles: RuntimeBundles,
  host: PluginHosts,
  probeId: number,
  limitDefaults: LimitDefaults,
  verified: VerifiedTree,
): Promise<{ plugin?: PreparedPlugin; diagnostics: AetherDiagnostic[] }> {
  const entry = sandbox.plugin;
  const at = (code: string, message: string): { diagnostics: AetherDiagnostic[] } => ({
    diagnostics: [{ code, severity: 'error', message, file: sandbox.file, range: sandbox.pluginRange }],
  });
  if (!existsSync(entry) || !statSync(entry).isFile()) {
    return at(
      'sandbox/plugin-not-found',
      `plugin: ${path.relative(path.dirname(sandbox.file), entry)} does not exist (${entry}); \`plugin:\` is relative to the sandbox file`,
    );
  }
  let compiled: Awaited<ReturnType<typeof compilePlugin>>;
  try {
    // The compile cache goes to the temp folder, never into the plugin's own folder: files written
    // there would count as changes to a signed plugin. Entries are sealed, so sharing is safe.
    compiled = await compilePlugin(entry, SANDBOX_CACHE_DIR, bundles.apiModule, {
      root: dir,
      tree: verified.tree,
      confined: false,
    });
  } catch (error) {
    if (error instanceof PluginCompileError && error.diagnostics.length > 0) return { diagnostics: error.diagnostics };
    return at('plugin/compile-error', (error as Error).message);
  }
  const bundleFile = compiled.bundleFile;
  // Permissions as a run grants them, read from the source before any of it runs.
  const source = readStaticMeta(readFileSync(entry, 'utf8'), entry);
  const grant = grantOf(signedPermissions(source.meta?.permissions as PluginMeta['permissions']), {
    workspaceRoot,
    pluginDir: dir,
    readable: [compiled.graphDir, path.dirname(bundles.apiModule), ...packageClosure(compiled.packageDirs)],
  });
  const { info, fault } = await host.load(probeId, bundleFile, entry, callLimitsOf(undefined, undefined, undefined, limitDefaults), grant);
  if (fault || !info) {
    const why = fault?.kind === 'invalid' ? fault.message : `failed while loading: ${fault?.message ?? 'no reply from the plugin host'}`;
    return at(fault?.kind === 'invalid' ? 'plugin/not-a-plugin' : 'plugin/load-failed', `${path.relative(workspaceRoot, entry)} ${why}`);
  }
  const candidate: PluginCandidate = { entry, dir, source: 'local', ...packageInfo(dir) };
  const checked = validateMeta(info.meta, candidate);
  const diagnostics = checked.diagnostics.filter((d) => d.severity === 'error');
  if (!checked.meta || diagnostics.length > 0) return { diagnostics };
  const meta = checked.meta;
  if (!info.hasExecute)
    return at('plugin/missing-execute', `plugin "${meta.name}" has no execute(ctx) method; add \`async execute(ctx) { … }\` to the class`);
  const engine = checkEngine(meta, candidate, RUNTIME_VERSION);
  if (engine) return { diagnostics: [engine] };
  return {
    plugin: { entry, bundleFile, meta, commands: commandsOf(meta), grant, moduleDir: compiled.filesDir ?? dir },
    diagnostics: [],
  };
}

/** The plugin folder checked against the workspace's trusted keys; the files are read once either way. */
async function sandboxAttestation(dir: string, workspaceRoot: string): Promise<VerifiedTree> {
  let keys: Parameters<typeof verifyPluginTree>[2] = [];
  try {
    // The trusted keys are the workspace's: a plugin with a package.json of its own is a workspace
    // root for its sandbox, so look further up for the aether.config.json that holds them.
    let configRoot = workspaceRoot;
    for (let at = dir; ; at = path.dirname(at)) {
      if (existsSync(path.join(at, 'aether.config.json'))) {
        configRoot = at;
        break;
      }
      if (path.dirname(at) === at) break;
    }
    keys = readTrustSettings(readConfig(configRoot).raw).keys;
  } catch {
    // A broken aether.trust section: no key vouches for anything.
  }
  return verifyPluginTree(dir, undefined, keys).catch((error: Error) => ({
    result: { status: 'malformed' as const, message: `The plugin in ${dir} cannot be read as a tree: ${error.message}` },
  }));
}

/** Runs one case in its own plugin instance; never throws for anything the plugin does. */
async function runCase(
  host: PluginHosts,
  pluginId: number,
  plugin: PreparedPlugin,
  sandbox: SandboxFile,
  entry: SandboxCase,
  dir: string,
  workspaceRoot: string,
  collector: Collector,
  limitDefaults: LimitDefaults,
): Promise<CaseOutcome> {
  const { meta } = plugin;
  const command = commandName(entry.command, plugin)!;
  const failed = (error: string): CaseOutcome => ({
    status: 'failed',
    error,
    state: collector.state,
    logs: collector.logs,
    metrics: collector.metrics,
  });

  // The same checks a run makes before calling the plugin, with the same words.
  const configProblems = validateAgainst(meta.config, entry.config);
  if (configProblems.length > 0) {
    return failed(`config does not fit plugin "${meta.name}"'s config schema: ${configProblems.map((p) => p.message).join('; ')}`);
  }
  const inputProblems = validateAgainst(plugin.commands[command]?.input, entry.input);
  if (inputProblems.length > 0) {
    return failed(`input does not fit command "${command}" (plugin "${meta.name}"): ${inputProblems.map((p) => p.message).join('; ')}`);
  }

  const limits = callLimitsOf(meta, undefined, undefined, limitDefaults);
  // Loading and the constructor get the run's load timeout (meta.limits is not known before a load),
  // under the plugin's own heap cap so the worker need not restart for it.
  const loadLimits = { timeoutMs: limitDefaults.timeoutMs, heapMb: limits.heapMb };
  const loaded = await host.load(pluginId, plugin.bundleFile, plugin.entry, loadLimits, plugin.grant);
  if (loaded.fault) return failed(`could not load the plugin: ${faultText(loaded.fault, limits.heapMb)}`);
  const instantiated = await host.instantiate(pluginId, limits.heapMb);
  if (instantiated) return failed(`its constructor failed: ${faultText(instantiated, limits.heapMb)}`);

  const stepId =
    entry.name
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '') || `case-${entry.index + 1}`;
  const context: ContextSnapshot = {
    pipeline: { name: `sandbox: ${path.basename(sandbox.file)}`, file: sandbox.file },
    step: { id: stepId, command, input: entry.input },
    command,
    input: entry.input,
    config: entry.config,
    state: structuredClone(entry.state),
    pluginDir: plugin.moduleDir,
    workspaceRoot,
  };
  const result = await host.call(pluginId, 'execute', undefined, context, limits, entry.name);
  if (!result.ok) return failed(faultText(result.fault, limits.heapMb));
  return { status: 'ok', output: result.value ?? null, state: collector.state, logs: collector.logs, metrics: collector.metrics };
}

/**
 * The case's error in the plugin's own words when it threw (so `error: /…/` tests the plugin, not our
 * wording), and the limit it hit otherwise: "exceeded its 1000 ms timeout".
 */
function faultText(fault: PluginFault, heapMb: number): string {
  switch (fault.kind) {
    case 'heap':
      return `exceeded its ${heapMb} MB heap limit${fault.message.includes('took the plugin host down') ? ' (the plugin host was restarted)' : ''}`;
    default:
      return fault.message;
  }
}
