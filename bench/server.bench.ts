// Language server benchmark (issues 5 and 11), over the real LSP transport, as a third-party client
// would drive it: a generated pipeline of 5,000 steps (30,000 lines, 50 misspelt keys) with its plugin,
// our server and yaml-language-server 2.0.0 (its schema association set to
// runtime/schemas/pipeline.schema.json) each started fresh in the same run and driven by the same
// script. The first didOpen → diagnostics of the fresh process (no warm-up open) against
// yaml-language-server's; warm opens against `parseDocument` + ajv on the same text in this process;
// an edit inside one step sent as a ranged change and as a full-text change; typing bursts (a key typed
// a keystroke at a time, a hover after each); completion and hover at the end of the file; server RSS;
// and issue 11's pathological files for both servers (serverStress.ts).
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv from 'ajv';
import { parseDocument } from 'yaml';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import type { Position } from 'vscode-languageserver-types';
import { fmtMs, median, report, scratchWorkspace } from './benchUtil';
import { BENCH_PLUGIN, generatePipeline } from './fixtures/server/generate';
import { LspProcess } from './lspClient';
import { formatStress, openEach, stressFiles, withPlainReferences } from './serverStress';

const repo = path.resolve(__dirname, '..');
const SCHEMA = path.join(repo, 'runtime/schemas/pipeline.schema.json');
const STEPS = 5000;
const MISSPELT = 50;
const EDITS = 20;
const YAML_LS_EDITS = 5;
const QUERIES = 20;
/** Between two keystrokes of a typing burst: a fast typist's pace. */
const BURST_GAP_MS = 40;

interface Measured {
  /** didOpen → diagnostics in a fresh process, sent right after `initialized` with no warm-up open before it. */
  firstOpenMs: number;
  /** Process spawn → those first diagnostics (start-up, initialize and the first open). */
  spawnToFirstMs: number;
  /**
   * didOpen → the first publish that has every diagnostic a warm open shows (our server publishes what the
   * text alone shows first, while the workspace index is built, and then the plugin-aware rest).
   */
  firstCompleteMs: number;
  /** Main-thread CPU time of the server during the first open. */
  firstOpenCpuMs: number;
  openMs: number;
  /** Main-thread CPU time of the server per warm open, median. */
  openCpuMs: number;
  openDiagnostics: number;
  editMs: number[];
  fullEditMs: number[];
  completionMs: number[];
  hoverMs: number[];
  /** Typing bursts, keystrokes sent as ranged changes and as full-text changes. */
  burst: BurstFigures;
  fullBurst: BurstFigures;
  rssMb: number;
}

interface BurstFigures {
  /** The last keystroke → the diagnostics of the final text. */
  settleMs: number;
  /** Publishes for the document from the first keystroke until those diagnostics. */
  publishes: number;
  /** Hovers sent after each keystroke, at the key being typed: median and slowest answer. */
  hoverMedianMs: number;
  hoverMaxMs: number;
}

/**
 * Drives one fresh server through the same script, as a third-party client would: the first open (no
 * warm-up), three warm opens, edits inside steps sent as ranged changes and then as full-text changes,
 * completion and hover at the end of the file.
 */
async function measure(
  server: LspProcess,
  uri: string,
  languageId: string,
  text: string,
  edits: number,
  accept: (p: PublishDiagnosticsParams, version: number) => boolean,
): Promise<Measured> {
  const lines = text.split('\n');
  const end: Position = { line: lines.length - 1, character: 0 };
  let since = server.publishedCount;
  let started = performance.now();
  let cpuBefore = server.mainThreadCpuMs();
  await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  await server.diagnosticsAfter(uri, since, (p) => accept(p, 1));
  const firstOpenMs = performance.now() - started;
  const firstOpenCpuMs = server.mainThreadCpuMs() - cpuBefore;
  const firstOpenStarted = started;
  const firstOpenSince = since;
  const spawnToFirstMs = performance.now() - server.spawnedAt;

  // The median of three warm opens.
  const opens: number[] = [];
  const openCpu: number[] = [];
  let opened: PublishDiagnosticsParams | undefined;
  for (let i = 0; i < 3; i++) {
    await server.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the close handled before the clock starts
    since = server.publishedCount;
    started = performance.now();
    cpuBefore = server.mainThreadCpuMs();
    await server.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 2, text } });
    opened = await server.diagnosticsAfter(uri, since, (p) => accept(p, 2));
    opens.push(performance.now() - started);
    openCpu.push(server.mainThreadCpuMs() - cpuBefore);
  }
  const openMs = median(opens);
  const complete = opened?.diagnostics.length ?? 0;
  const firstCompleteMs =
    server.publishedTime(uri, firstOpenSince, since, (p) => accept(p, 1) && p.diagnostics.length === complete) - firstOpenStarted;

  // Edits: a digit typed into the `count:` of a step spread over the file, each followed by its
  // diagnostics; first as ranged changes, then the same kind of edit sent as the whole new text.
  let version = 2;
  const edit = async (i: number, full: boolean): Promise<number> => {
    const step = 100 + Math.floor(((STEPS - 200) * i) / Math.max(1, edits - 1));
    const line = lines.findIndex((l, n) => n > 8 && l === `  - id: step-${step}`) + 5;
    const character = (lines[line] ?? '').length;
    lines[line] += '7';
    version++;
    const contentChanges = full
      ? [{ text: lines.join('\n') }]
      : [{ range: { start: { line, character }, end: { line, character } }, text: '7' }];
    since = server.publishedCount;
    started = performance.now();
    await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
    await server.diagnosticsAfter(uri, since, (p) => accept(p, version));
    return performance.now() - started;
  };
  const editMs: number[] = [];
  for (let i = 0; i < edits; i++) editMs.push(await edit(i, false));
  const fullEditMs: number[] = [];
  for (let i = 0; i < edits; i++) fullEditMs.push(await edit(i, true));

  // Typing bursts: a new key typed into a step one keystroke every BURST_GAP_MS (a newline with its
  // indentation, then `retriesN: 1` a character at a time), with a hover after each keystroke, and then
  // the diagnostics of the final text awaited. Ours carry the version; yaml-language-server's are told by
  // the finished key in a message ("Property retriesN is not allowed"), the first such after the last key.
  const burst = async (stepNumber: number, word: string, full: boolean): Promise<BurstFigures> => {
    const line = lines.findIndex((l, n) => n > 8 && l === `  - id: step-${stepNumber}`) + 1; // its `run:` line
    const typed = `${word}: 1`;
    const first = { line, character: lines[line]!.length };
    lines.splice(line + 1, 0, '    ');
    const keystrokes = [{ range: { start: first, end: first }, text: '\n    ' }];
    for (let k = 0; k < typed.length; k++) {
      const at = { line: line + 1, character: 4 + k };
      keystrokes.push({ range: { start: at, end: at }, text: typed[k]! });
    }
    const burstSince = server.publishedCount;
    const hovers: Array<Promise<number>> = [];
    for (const [k, change] of keystrokes.entries()) {
      if (k > 0) lines[line + 1] += change.text;
      version++;
      await server.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: full ? [{ text: lines.join('\n') }] : [change],
      });
      const sent = performance.now();
      hovers.push(
        server.connection
          .sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: line + 1, character: 5 } })
          .then(() => performance.now() - sent),
      );
      if (k < keystrokes.length - 1) await new Promise((resolve) => setTimeout(resolve, BURST_GAP_MS));
    }
    const lastKey = performance.now();
    const lastSince = server.publishedCount;
    const finalVersion = version;
    const settled = await server.diagnosticsAfter(
      uri,
      lastSince,
      (p) =>
        accept(p, finalVersion) && p.diagnostics.some((d) => (typeof d.message === 'string' ? d.message : d.message.value).includes(word)),
    );
    const settleMs = performance.now() - lastKey;
    const hoverMs = await Promise.all(hovers);
    let publishes = 0;
    for (let i = burstSince; i < server.publishedCount; i++) {
      const publication = server.publication(i);
      if (publication?.uri === uri) publishes++;
      if (publication === settled) break;
    }
    return { settleMs, publishes, hoverMedianMs: median(hoverMs), hoverMaxMs: Math.max(...hoverMs) };
  };
  const burstFigures = await burst(STEPS / 2, 'retriesx', false);
  const fullBurstFigures = await burst(STEPS / 2 + 10, 'retriesy', true);

  const completionMs: number[] = [];
  const hoverMs: number[] = [];
  const lastRun = lines.length - 1 - [...lines].reverse().findIndex((l) => l.startsWith('    run: '));
  for (let i = 0; i < QUERIES; i++) {
    started = performance.now();
    await server.connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: end });
    completionMs.push(performance.now() - started);
    started = performance.now();
    await server.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: lastRun, character: 11 } });
    hoverMs.push(performance.now() - started);
  }
  // Memory with the file open, once the server is idle (V8 gives back what a burst of parsing took after that).
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.AETHER_BENCH_SETTLE_MS ?? 1500)));
  return {
    firstOpenMs,
    spawnToFirstMs,
    firstOpenCpuMs,
    firstCompleteMs,
    openMs,
    openCpuMs: median(openCpu),
    openDiagnostics: opened?.diagnostics.length ?? 0,
    editMs,
    fullEditMs,
    completionMs,
    hoverMs,
    burst: burstFigures,
    fullBurst: fullBurstFigures,
    rssMb: server.rssMb(),
  };
}

/** `parseDocument` + ajv (the pipeline schema) on the text, in this process: the didOpen reference (three runs). */
function parseAndValidate(text: string, cpu: number[] = []): number[] {
  const ajv = new Ajv({ allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  validate(parseDocument(text).toJS()); // warm-up, as the servers get
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const cpuBefore = threadCpuMs();
    validate(parseDocument(text).toJS());
    runs.push(performance.now() - started);
    cpu.push(threadCpuMs() - cpuBefore);
  }
  return runs;
}

/** CPU time of this process's main thread (Linux), as `mainThreadCpuMs` measures the servers. */
function threadCpuMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}

export async function serverBench(): Promise<string[]> {
  const text = generatePipeline(STEPS, MISSPELT);
  const lineCount = text.split('\n').length - 1;
  const root = scratchWorkspace('server', { 'plugins/tools/index.mjs': BENCH_PLUGIN, 'bench.pipeline.yaml': text });
  const uri = pathToFileURL(path.join(root, 'bench.pipeline.yaml')).href;
  const out: string[] = [];
  try {
    // The reference runs just before and just after our server's opens: on a shared machine the load
    // changes from minute to minute, and the ratio should compare like with like.
    const referenceCpu: number[] = [];
    const referenceRuns = parseAndValidate(text, referenceCpu);

    // AETHER_BENCH_SERVER_FLAGS: node flags for our server only (e.g. --cpu-prof to profile it).
    const flags = (process.env.AETHER_BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
    const startOurs = () => LspProcess.start([...flags, path.join(repo, 'server/dist/server.js'), '--stdio'], root, { aether: {} });
    const ours = await startOurs();
    let mine: Measured;
    try {
      // It publishes the document version with its diagnostics (closing publishes an empty list without one).
      mine = await measure(ours, uri, 'aetherscript-pipeline', text, EDITS, (p, version) => p.version === version);
    } finally {
      await ours.stop();
    }
    referenceRuns.push(...parseAndValidate(text, referenceCpu));
    const referenceMs = median(referenceRuns);
    const referenceCpuMs = median(referenceCpu);

    // AETHER_BENCH_OURS_ONLY=1 skips the reference server (for quick iterations; its figures print as NaN).
    const skipReference = process.env.AETHER_BENCH_OURS_ONLY === '1';
    const schemaUri = pathToFileURL(SCHEMA).href;
    const yamlSettings = {
      yaml: {
        validate: true,
        hover: true,
        completion: true,
        schemas: { [schemaUri]: ['*.pipeline.yaml'] },
        schemaStore: { enable: false },
      },
    };
    const noBurst: BurstFigures = { settleMs: NaN, publishes: NaN, hoverMedianMs: NaN, hoverMaxMs: NaN };
    const nothing: Measured = {
      firstOpenMs: NaN,
      spawnToFirstMs: NaN,
      firstOpenCpuMs: NaN,
      firstCompleteMs: NaN,
      openMs: NaN,
      openCpuMs: NaN,
      openDiagnostics: NaN,
      editMs: [NaN],
      fullEditMs: [NaN],
      completionMs: [NaN],
      hoverMs: [NaN],
      burst: noBurst,
      fullBurst: noBurst,
      rssMb: NaN,
    };
    const startYamlLs = () =>
      LspProcess.start([path.join(repo, 'node_modules/yaml-language-server/bin/yaml-language-server'), '--stdio'], root, yamlSettings);
    const yamlLs = skipReference ? undefined : await startYamlLs();
    let theirs: Measured;
    try {
      // It publishes without versions, and an empty list on close and before the schema is applied; every
      // real publish has the 50 schema errors.
      theirs = yamlLs ? await measure(yamlLs, uri, 'yaml', text, YAML_LS_EDITS, (p) => p.diagnostics.length > 0) : nothing;
    } finally {
      await yamlLs?.stop();
    }

    // The pathological files, each after a plain file of its size, in a fresh server per side.
    const families = stressFiles();
    const stressed = withPlainReferences(families);
    const oursStress = await openEach(
      { start: startOurs, languageId: 'aetherscript-pipeline', accept: (p, version) => p.version === version },
      root,
      stressed,
    );
    const theirStress = skipReference
      ? undefined
      : await openEach({ start: startYamlLs, languageId: 'yaml', accept: (p) => p.diagnostics.length > 0 }, root, stressed);

    const edit = median(mine.editMs);
    const yamlEdit = median(theirs.editMs);
    const fullEdit = median(mine.fullEditMs);
    const yamlFullEdit = median(theirs.fullEditMs);
    const completion = median(mine.completionMs);
    const hover = median(mine.hoverMs);
    out.push(
      `  ${lineCount} lines, ${STEPS} steps, ${MISSPELT} misspelt keys; ${mine.openDiagnostics} diagnostics (yaml-language-server: ${theirs.openDiagnostics})`,
    );
    out.push(
      report(
        'first didOpen → diagnostics, fresh process',
        fmtMs(mine.firstOpenMs),
        fmtMs(theirs.firstOpenMs),
        mine.firstOpenMs / theirs.firstOpenMs,
        {
          text: '≤ 0.70x yaml-language-server',
          met: mine.firstOpenMs <= 0.7 * theirs.firstOpenMs,
        },
      ),
    );
    out.push(
      report(
        '  first didOpen → every diagnostic of a warm open',
        fmtMs(mine.firstCompleteMs),
        fmtMs(theirs.firstCompleteMs),
        mine.firstCompleteMs / theirs.firstCompleteMs,
      ),
    );
    out.push(
      report(
        '  main-thread CPU of the first didOpen',
        fmtMs(mine.firstOpenCpuMs),
        fmtMs(theirs.firstOpenCpuMs),
        mine.firstOpenCpuMs / theirs.firstOpenCpuMs,
      ),
    );
    out.push(
      report(
        '  spawn → first diagnostics',
        fmtMs(mine.spawnToFirstMs),
        fmtMs(theirs.spawnToFirstMs),
        mine.spawnToFirstMs / theirs.spawnToFirstMs,
      ),
    );
    out.push(
      report('warm didOpen → diagnostics, median of 3', fmtMs(mine.openMs), fmtMs(referenceMs), mine.openMs / referenceMs, {
        text: '≤ 1.20x parseDocument + ajv',
        met: mine.openMs <= 1.2 * referenceMs,
      }),
    );
    out.push(
      report('  main-thread CPU of the warm didOpen', fmtMs(mine.openCpuMs), fmtMs(referenceCpuMs), mine.openCpuMs / referenceCpuMs),
    );
    out.push(report('  warm didOpen vs yaml-language-server', fmtMs(mine.openMs), fmtMs(theirs.openMs), mine.openMs / theirs.openMs));
    const editGoal = (ms: number, theirMs: number) => ({
      text: '≤ 20 ms and ≤ 0.05x yaml-language-server',
      met: ms <= 20 && ms <= 0.05 * theirMs,
    });
    out.push(
      report(
        `ranged edit in one step → diagnostics, median of ${EDITS}`,
        fmtMs(edit),
        fmtMs(yamlEdit),
        edit / yamlEdit,
        editGoal(edit, yamlEdit),
      ),
    );
    out.push(
      report(
        `full-text edit in one step → diagnostics, median of ${EDITS}`,
        fmtMs(fullEdit),
        fmtMs(yamlFullEdit),
        fullEdit / yamlFullEdit,
        editGoal(fullEdit, yamlFullEdit),
      ),
    );
    out.push(
      report(
        `completion at the end, median of ${QUERIES}`,
        fmtMs(completion),
        fmtMs(median(theirs.completionMs)),
        completion / median(theirs.completionMs),
        {
          text: '≤ 10 ms',
          met: completion <= 10,
        },
      ),
    );
    out.push(
      report(`hover at the end, median of ${QUERIES}`, fmtMs(hover), fmtMs(median(theirs.hoverMs)), hover / median(theirs.hoverMs), {
        text: '≤ 10 ms',
        met: hover <= 10,
      }),
    );
    const burstLine = (label: string, mineBurst: BurstFigures, theirBurst: BurstFigures): string =>
      report(label, fmtMs(mineBurst.settleMs), fmtMs(theirBurst.settleMs), mineBurst.settleMs / theirBurst.settleMs) +
      `\n    publishes during it ${mineBurst.publishes} (yaml-language-server ${theirBurst.publishes}); hover after each keystroke` +
      ` median ${fmtMs(mineBurst.hoverMedianMs)}, slowest ${fmtMs(mineBurst.hoverMaxMs)}` +
      ` (yaml-language-server ${fmtMs(theirBurst.hoverMedianMs)}, ${fmtMs(theirBurst.hoverMaxMs)})`;
    out.push(burstLine(`typing burst (12 keys ${BURST_GAP_MS} ms apart), ranged: last key → diagnostics`, mine.burst, theirs.burst));
    out.push(burstLine('typing burst, full-text changes: last key → diagnostics', mine.fullBurst, theirs.fullBurst));
    out.push(
      report('server RSS with the file open', `${mine.rssMb.toFixed(0)} MB`, `${theirs.rssMb.toFixed(0)} MB`, mine.rssMb / theirs.rssMb, {
        text: '< 200 MB',
        met: mine.rssMb < 200,
      }),
    );
    out.push(...formatStress(families, oursStress, theirStress));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return out;
}

// `node --import tsx bench/server.bench.ts` runs this benchmark alone.
if (require.main === module) {
  serverBench().then(
    (lines) => console.log(lines.join('\n')),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
