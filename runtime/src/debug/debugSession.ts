// `aether debug-adapter` (spec section 10): the Debug Adapter Protocol over a real pipeline run. The
// run is the normal one (same events, run record, hosts and limits); the adapter is its StepDebugger,
// so it pauses before a step with a breakpoint, after a failed step (exception filter `failed-steps`),
// on entry, after `next` and on `pause`. One DAP thread per step in flight; while a step is paused no
// plugin call is running, so no timeout can fire.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  Breakpoint,
  DebugSession,
  ExitedEvent,
  Handles,
  InitializedEvent,
  OutputEvent,
  Scope,
  Source,
  StackFrame,
  StoppedEvent,
  TerminatedEvent,
  Thread,
  ThreadEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { JsonValue } from '../model/plugin';
import type { AetherEvent } from '../model/events';
import type { PipelineStep } from '../model/pipeline';
import { parsePipeline } from '../pipeline';
import { findWorkspaceRoot } from '../config/workspace';
import { runPipeline, type RunOptions, type RunResult } from '../engine/runPipeline';
import type { PausedStep, StepDebugger } from '../engine/runner';
import type { RuntimeBundles } from '../engine/runtimePaths';
import { evaluateExpression, hitConditionMet, stepAtLine, stepLines, truthy, type StepBreakpoint, type StepLines } from './stepBreakpoints';

/** `launch` arguments (spec section 10). */
export interface AetherLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  pipeline: string;
  workspace?: string;
  stopOnEntry?: boolean;
  debugPlugins?: boolean;
}

export const FAILED_STEPS_FILTER = 'failed-steps';
/** Thread 1 is the run itself (shown when no step is in flight); steps are 2, 3, … by position. */
const RUN_THREAD = 1;
const threadOf = (step: PipelineStep) => step.index + 2;

type StopReason = 'breakpoint' | 'step' | 'pause' | 'entry' | 'exception';

interface Pause {
  paused: PausedStep;
  reason: StopReason;
  resume: () => void;
}

/** What a variables reference points into: a scope of a paused step, and a path inside it. */
interface Container {
  threadId: number;
  root: 'step' | 'input' | 'state' | 'outputs' | 'env';
  path: Array<string | number>;
}

export interface AetherDebugSessionOptions {
  /** The runtime's bundles (the editor's embedded runtime passes its own). */
  bundles?: RuntimeBundles;
  /**
   * Runs the pipeline: `runPipeline` by default. The editor passes its own, which also records the
   * run in its Runs view and panels exactly as a normal run, with its settings (trust, limits).
   */
  execute?: (options: RunOptions) => Promise<RunResult>;
}

export class AetherDebugSession extends DebugSession implements StepDebugger {
  private args: AetherLaunchArguments | undefined;
  private lines: StepLines[] = [];
  private breakpoints = new Map<string, StepBreakpoint[]>();
  private nextBreakpointId = 1;
  private breakOnFailure = false;
  private readonly pauses = new Map<number, Pause>();
  private readonly running = new Map<number, PipelineStep>();
  private stepping = false;
  private pauseRequested = false;
  private entryPending = false;
  private containers = new Handles<Container>();
  private controller = new AbortController();
  private run: Promise<RunResult> | undefined;
  private restarting = false;
  /** The client can start a child session for plugin code (DAP `startDebugging`). */
  private clientStartsDebugging = false;
  private configured!: () => void;
  private readonly configurationDone = new Promise<void>((resolve) => (this.configured = resolve));

  constructor(private readonly sessionOptions: AetherDebugSessionOptions = {}) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientStartsDebugging = args.supportsStartDebuggingRequest === true;
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsEvaluateForHovers: true,
      supportsSetVariable: true,
      supportsTerminateRequest: true,
      supportsRestartRequest: true,
      exceptionBreakpointFilters: [
        {
          filter: FAILED_STEPS_FILTER,
          label: 'Failed steps',
          description: 'Pause after a step fails, before the steps that need it are skipped',
          default: false,
        },
      ],
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configured();
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: AetherLaunchArguments): Promise<void> {
    if (typeof args.pipeline !== 'string' || args.pipeline === '') {
      this.sendErrorResponse(response, 1001, 'launch needs "pipeline": the path of the pipeline file to run');
      return;
    }
    this.args = { ...args, pipeline: path.resolve(args.workspace ?? process.cwd(), args.pipeline) };
    this.readSteps();
    this.sendResponse(response);
    await this.configurationDone;
    this.startRun();
  }

  private readSteps(): void {
    const file = this.args!.pipeline;
    try {
      const text = readFileSync(file, 'utf8');
      const parsed = parsePipeline(text, file);
      this.lines = parsed.pipeline ? stepLines(parsed.pipeline, text) : [];
    } catch {
      this.lines = []; // the run reports the unreadable file
    }
  }

  private startRun(): void {
    const args = this.args!;
    this.controller = new AbortController();
    this.entryPending = Boolean(args.stopOnEntry) && !args.noDebug;
    this.stepping = false;
    this.pauseRequested = false;
    // debugPlugins: the plugin host opens the Node inspector; a client that can start child sessions
    // attaches its JavaScript debugger to it before any plugin code runs (the host waits for it).
    const inspect =
      args.debugPlugins && !args.noDebug
        ? { port: 0, brk: this.clientStartsDebugging, onListening: (url: string) => this.attachPluginDebugger(url) }
        : undefined;
    const run = (this.sessionOptions.execute ?? runPipeline)({
      file: args.pipeline,
      workspaceRoot: args.workspace ? path.resolve(args.workspace) : undefined,
      signal: this.controller.signal,
      onEvent: (event) => this.onRunEvent(event),
      debugPlugins: args.debugPlugins,
      ...(inspect ? { inspect } : {}),
      ...(this.sessionOptions.bundles ? { bundles: this.sessionOptions.bundles } : {}),
      ...(args.noDebug ? {} : { debugger: this }),
    });
    this.run = run;
    void run.then((result) => this.onRunEnd(result));
  }

  /**
   * The attach configuration for the editor's JavaScript debugger (VS Code's js-debug, vscode-js-debug).
   * Compiled plugins live in the workspace's compile cache, a dot-folder js-debug's default `outFiles`
   * skip, with inline source maps to their TypeScript: name them, and pause each script that has a
   * source map until its breakpoints are set, so a breakpoint in the plugin's `.ts` binds in time.
   */
  static pluginAttachConfiguration(
    port: number,
    /** Where the compiled plugins are: the workspace's `.aether/cache/plugins`, or the sandbox's cache. */
    compiledDir?: string,
  ): DebugProtocol.StartDebuggingRequestArguments['configuration'] {
    return {
      type: 'pwa-node',
      request: 'attach',
      name: 'AetherScript plugins',
      address: '127.0.0.1',
      port,
      continueOnAttach: true,
      pauseForSourceMap: true,
      ...(compiledDir ? { outFiles: [path.join(compiledDir, '**', '*.mjs')] } : {}),
      resolveSourceMapLocations: null,
      skipFiles: ['<node_internals>/**'],
    };
  }

  private attachPluginDebugger(url: string): void {
    const port = Number(new URL(url).port);
    if (!this.clientStartsDebugging) {
      this.output('console', `plugin inspector: ${url} — attach a JavaScript debugger to 127.0.0.1:${port} to debug plugin code\n`);
      return;
    }
    this.output('console', `plugin inspector on 127.0.0.1:${port}; attaching the JavaScript debugger\n`);
    const args: DebugProtocol.StartDebuggingRequestArguments = {
      request: 'attach',
      configuration: AetherDebugSession.pluginAttachConfiguration(
        port,
        path.join(findWorkspaceRoot(path.dirname(this.args!.pipeline)), '.aether', 'cache', 'plugins'),
      ),
    };
    this.sendRequest('startDebugging', args, 30_000, (response) => {
      if (response.success) return;
      // The host is waiting for a debugger that will not come: nothing can run.
      this.output(
        'stderr',
        `the JavaScript debugger could not attach to the plugins (${response.message ?? 'no reason given'}); stopping the run\n`,
      );
      void this.stopRun();
    });
  }

  private onRunEnd(result: RunResult): void {
    for (const diagnostic of result.diagnostics.filter((d) => d.severity === 'error')) {
      const at = diagnostic.range ? `:${diagnostic.range.line}:${diagnostic.range.column}` : '';
      this.output('stderr', `${diagnostic.file ?? this.args?.pipeline ?? ''}${at}: ${diagnostic.message}\n`);
    }
    if (this.restarting) return;
    this.sendEvent(new ExitedEvent(result.exitCode));
    this.sendEvent(new TerminatedEvent());
  }

  /** Lets every paused step go on, then cancels the run: `run-end` is `cancelled`. */
  private async stopRun(): Promise<void> {
    this.controller.abort();
    for (const pause of this.pauses.values()) pause.resume();
    this.pauses.clear();
    await this.run;
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    this.sendResponse(response);
    await this.stopRun();
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse): Promise<void> {
    if (this.run) await this.stopRun();
    this.sendResponse(response);
  }

  protected override async restartRequest(response: DebugProtocol.RestartResponse): Promise<void> {
    this.restarting = true;
    await this.stopRun();
    this.restarting = false;
    this.running.clear();
    this.readSteps();
    this.sendResponse(response);
    this.startRun();
  }

  // ── the StepDebugger side: called by the run ─────────────────────────────────────────────────

  async beforeStep(paused: PausedStep): Promise<void> {
    const threadId = threadOf(paused.step);
    this.running.set(threadId, paused.step);
    this.sendEvent(new ThreadEvent('started', threadId));
    const reason = this.stopReason(paused);
    if (reason) await this.pauseAt(threadId, paused, reason);
  }

  async afterFailure(paused: PausedStep): Promise<void> {
    if (this.breakOnFailure) await this.pauseAt(threadOf(paused.step), paused, 'exception', paused.error);
  }

  stepEnded(step: PipelineStep): void {
    const threadId = threadOf(step);
    if (this.running.delete(threadId)) this.sendEvent(new ThreadEvent('exited', threadId));
  }

  private stopReason(paused: PausedStep): StopReason | undefined {
    if (this.entryPending) {
      this.entryPending = false;
      return 'entry';
    }
    if (this.stepping) {
      this.stepping = false;
      return 'step';
    }
    if (this.pauseRequested) {
      this.pauseRequested = false;
      return 'pause';
    }
    let hit: StopReason | undefined;
    for (const breakpoint of this.breakpoints.get(this.args!.pipeline) ?? []) {
      if (breakpoint.stepId !== paused.step.id) continue;
      if (breakpoint.condition) {
        try {
          if (!truthy(evaluateExpression(breakpoint.condition, paused.scope))) continue;
        } catch (error) {
          this.output('stderr', `breakpoint condition on step "${paused.step.id}" failed: ${(error as Error).message}; pausing\n`);
          hit = 'breakpoint';
          continue;
        }
      }
      breakpoint.hits++;
      const counted = hitConditionMet(breakpoint.hitCondition, breakpoint.hits);
      if (counted.problem) this.output('stderr', `step "${paused.step.id}": ${counted.problem}\n`);
      if (counted.met) hit = 'breakpoint';
    }
    return hit;
  }

  private pauseAt(threadId: number, paused: PausedStep, reason: StopReason, text?: string): Promise<void> {
    if (this.controller.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.pauses.set(threadId, { paused, reason, resume: resolve });
      const event = new StoppedEvent(reason, threadId, text) as DebugProtocol.StoppedEvent;
      event.body.allThreadsStopped = false;
      if (reason === 'exception') event.body.description = `Step "${paused.step.id}" failed`;
      this.sendEvent(event);
    });
  }

  private resume(threadId: number): void {
    const pause = this.pauses.get(threadId);
    this.pauses.delete(threadId);
    pause?.resume();
  }

  // ── breakpoints ──────────────────────────────────────────────────────────────────────────────

  protected override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): void {
    const file = args.source.path ? path.resolve(args.source.path) : '';
    const isPipeline = this.args ? file === this.args.pipeline : true;
    const set: StepBreakpoint[] = [];
    const reported: DebugProtocol.Breakpoint[] = [];
    for (const wanted of args.breakpoints ?? []) {
      const line = this.convertClientLineToDebugger(wanted.line);
      const step = isPipeline ? stepAtLine(this.lines, line) : undefined;
      if (!step) {
        const bp = new Breakpoint(false, wanted.line) as DebugProtocol.Breakpoint;
        bp.message = isPipeline ? 'Not on a step: put the breakpoint on a line of a step' : 'Not the pipeline being debugged';
        reported.push(bp);
        continue;
      }
      const breakpoint: StepBreakpoint = {
        id: this.nextBreakpointId++,
        stepId: step.step.id,
        requestedLine: line,
        line: step.idLine,
        condition: wanted.condition,
        hitCondition: wanted.hitCondition,
        hits: 0,
      };
      set.push(breakpoint);
      const bp = new Breakpoint(true, this.convertDebuggerLineToClient(step.idLine), undefined, this.source()) as DebugProtocol.Breakpoint;
      bp.id = breakpoint.id;
      reported.push(bp);
    }
    this.breakpoints.set(file, set);
    response.body = { breakpoints: reported };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    this.breakOnFailure = args.filters.includes(FAILED_STEPS_FILTER);
    this.sendResponse(response);
  }

  // ── execution control ────────────────────────────────────────────────────────────────────────

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    for (const threadId of [...this.pauses.keys()]) this.resume(threadId);
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    // Runs the paused step and pauses before the next step that starts.
    this.stepping = true;
    this.resume(args.threadId);
    this.sendResponse(response);
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.nextRequest(response, args);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.nextRequest(response, args);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.pauseRequested = true;
    this.sendResponse(response);
  }

  // ── inspection ───────────────────────────────────────────────────────────────────────────────

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const threads = [...this.running.entries()].map(([id, step]) => new Thread(id, `step ${step.id}`));
    response.body = { threads: threads.length > 0 ? threads : [new Thread(RUN_THREAD, 'pipeline')] };
    this.sendResponse(response);
  }

  private source(): Source {
    const file = this.args!.pipeline;
    return new Source(path.basename(file), this.convertDebuggerPathToClient(file));
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const step = this.pauses.get(args.threadId)?.paused.step ?? this.running.get(args.threadId);
    if (!step) {
      response.body = { stackFrames: [], totalFrames: 0 };
      this.sendResponse(response);
      return;
    }
    const pause = this.pauses.get(args.threadId);
    const line = this.lines.find((entry) => entry.step.id === step.id)?.idLine ?? step.idRange?.line ?? 1;
    const plugin = pause ? ` (${pause.paused.binding.plugin})` : '';
    const frame = new StackFrame(
      args.threadId,
      `${step.id}: ${step.run}${plugin}`,
      this.source(),
      this.convertDebuggerLineToClient(line),
      1,
    );
    response.body = { stackFrames: [frame], totalFrames: 1 };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const threadId = args.frameId;
    const scope = (name: string, root: Container['root'], expensive = false) =>
      new Scope(name, this.containers.create({ threadId, root, path: [] }), expensive);
    response.body = {
      scopes: this.pauses.has(threadId)
        ? [scope('Step', 'step'), scope('State', 'state'), scope('Outputs', 'outputs'), scope('Env', 'env', true)]
        : [],
    };
    this.sendResponse(response);
  }

  /** The JSON value a container names, read from the paused run now. */
  private containerValue(container: Container): unknown {
    const pause = this.pauses.get(container.threadId);
    if (!pause) return undefined;
    const { paused } = pause;
    let root: unknown;
    switch (container.root) {
      case 'step':
        root = {
          id: paused.step.id,
          command: paused.binding.command,
          plugin: paused.binding.plugin,
          input: paused.input,
          ...(paused.error ? { error: paused.error } : {}),
        };
        break;
      case 'input':
        root = paused.input;
        break;
      case 'state':
        root = Object.fromEntries(paused.state);
        break;
      case 'outputs':
        root = Object.fromEntries(Object.entries(paused.scope.steps).map(([id, s]) => [id, s?.output ?? null]));
        break;
      case 'env':
        root = Object.fromEntries(Object.entries(paused.scope.env).filter(([, v]) => v !== undefined));
        break;
    }
    return container.path.reduce<unknown>((value, key) => (value as Record<string | number, unknown> | undefined)?.[key], root);
  }

  private variable(name: string, value: unknown, container: Container, evaluateName?: string): DebugProtocol.Variable {
    const nested = value !== null && typeof value === 'object';
    // The step's input is its own root, so that its children can be set and re-validated.
    const child: Container =
      container.root === 'step' && container.path.length === 0 && name === 'input'
        ? { threadId: container.threadId, root: 'input', path: [] }
        : { ...container, path: [...container.path, Array.isArray(this.containerValue(container)) ? Number(name) : name] };
    return {
      name,
      value: preview(value),
      type: Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value,
      variablesReference: nested ? this.containers.create(child) : 0,
      ...(evaluateName ? { evaluateName } : {}),
    };
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const container = this.containers.get(args.variablesReference);
    const value = container ? this.containerValue(container) : undefined;
    const variables: DebugProtocol.Variable[] = [];
    if (container && value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) variables.push(this.variable(key, item, container, evaluateNameOf(container, key)));
    }
    response.body = { variables };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const container = this.containers.get(args.variablesReference);
    const pause = container && this.pauses.get(container.threadId);
    if (!container || !pause) {
      this.sendErrorResponse(response, 1002, 'the run is not paused there any more');
      return;
    }
    const value = parseValue(args.value);
    const { paused } = pause;
    if (container.root === 'state') {
      const [top, ...rest] = [...container.path, args.name];
      paused.state.set(String(top), setAt(paused.state.get(String(top)) ?? null, rest, value));
    } else if (container.root === 'input' || (container.root === 'step' && args.name === 'input')) {
      const next = container.root === 'input' ? setAt(paused.input, [...container.path, args.name], value) : value;
      const problem = paused.setInput(next);
      if (problem) {
        this.sendErrorResponse(response, 1003, problem);
        return;
      }
    } else {
      this.sendErrorResponse(
        response,
        1004,
        `${container.root === 'step' ? args.name : container.root} is read-only; set the step's input or the state`,
      );
      return;
    }
    response.body = { value: preview(value), variablesReference: 0 };
    this.sendResponse(response);
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const pause = (args.frameId !== undefined ? this.pauses.get(args.frameId) : undefined) ?? this.pauses.values().next().value;
    if (!pause) {
      this.sendErrorResponse(response, 1005, 'the run is not paused: expressions are evaluated against a paused step');
      return;
    }
    try {
      const value = evaluateExpression(args.expression, pause.paused.scope);
      response.body = {
        result: value !== null && typeof value === 'object' ? JSON.stringify(value) : preview(value),
        variablesReference: 0,
      };
      this.sendResponse(response);
    } catch (error) {
      this.sendErrorResponse(response, 1006, (error as Error).message);
    }
  }

  // ── run events → DAP output ──────────────────────────────────────────────────────────────────

  private output(category: 'console' | 'stdout' | 'stderr', text: string): void {
    this.sendEvent(new OutputEvent(text, category));
  }

  private onRunEvent(event: AetherEvent): void {
    switch (event.type) {
      case 'log': {
        const where = [event.plugin, event.stepId].filter(Boolean).join(' · ');
        this.output(event.level === 'error' || event.level === 'warn' ? 'stderr' : 'stdout', `[${where}] ${event.message}\n`);
        return;
      }
      case 'step-end':
        if (event.status === 'failed') this.output('stderr', `✗ ${event.stepId}: ${event.error ?? 'failed'}\n`);
        else this.output('console', `${event.status === 'ok' ? '✓' : '–'} ${event.stepId} ${event.status} (${event.durationMs} ms)\n`);
        return;
      case 'plugin-error':
      case 'warning':
        this.output('stderr', `${event.message}\n`);
        return;
      case 'run-end':
        this.output('console', `run ${event.status} in ${event.durationMs} ms${event.error ? `: ${event.error}` : ''}\n`);
        return;
      default:
        return;
    }
  }
}

function preview(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** A value typed in the editor: JSON when it parses, else the text as a string. */
function parseValue(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

function setAt(target: JsonValue, pathTo: Array<string | number>, value: JsonValue): JsonValue {
  if (pathTo.length === 0) return value;
  const [key, ...rest] = pathTo;
  const copy: Record<string, JsonValue> | JsonValue[] = Array.isArray(target)
    ? [...target]
    : target !== null && typeof target === 'object'
      ? { ...target }
      : {};
  (copy as Record<string | number, JsonValue>)[key!] = setAt((copy as Record<string | number, JsonValue>)[key!] ?? null, rest, value);
  return copy;
}

/** What to type in the Debug Console to get this value back. */
function evaluateNameOf(container: Container, key: string): string | undefined {
  const tail = [...container.path, key].map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
  if (container.root === 'state') return `state${tail}`;
  if (container.root === 'outputs') {
    const [stepId, ...rest] = [...container.path, key];
    return `steps.${stepId}.output${rest.map((k) => `.${k}`).join('')}`;
  }
  if (container.root === 'env') return `env.${key}`;
  return undefined;
}
