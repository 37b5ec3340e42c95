// A deterministic corpus of pipelines for the parity test: valid ones and every kind of mistake the
// checkers know (unknown commands and plugins, inputs and configs that break the plugins' schemas,
// runtime ranges, needs, expressions), mixed, sometimes with a YAML syntax error or a CRLF file.
// Written against the plugins of examples/ (core-tools, bundler, notify-slack, …).

/** A small linear congruential generator: the same corpus on every machine. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
}

const RUNS = [
  'echo',
  'checksum',
  'core-tools/echo',
  'core-tools/nope',
  'core-tool/echo',
  'ech',
  'deploy-to-mars',
  'bundle',
  'bundler/bundle',
  'notify',
  'notify-slack/notify',
  'sleep',
  'fail',
];

const WITHS = [
  '',
  '    with: { message: hello }\n',
  '    with: { message: 42 }\n',
  '    with: { mesage: hello }\n',
  '    with: { text: abc, algorithm: sha512 }\n',
  '    with: { entry: src/main.ts, minify: yes-please }\n',
  '    with: { entry: "" }\n',
  '    with:\n      message: "${{ env.HOME }}"\n',
  '    with:\n      message: ok\n      data: { a: [1, 2] }\n      saveAs: "9bad"\n',
  '    with: { message: hi, level: loud, channel: general }\n',
];

const PLUGIN_BLOCKS = [
  '',
  'plugins:\n  bundler: { target: es2022 }\n',
  'plugins:\n  bundler: { target: es5, extra: 1 }\n',
  'plugins:\n  notify-slack:\n    webhook: http://insecure\n',
  'plugins:\n  notfy-slack: {}\n',
  'plugins:\n  nope: {}\n  core-tools: {}\n',
];

const RUNTIMES = ['', 'runtime: ^1.0.0\n', 'runtime: ^9.0.0\n', 'runtime: not-a-range\n', 'runtime: ">=0.1 <0.2"\n'];

/** `count` pipelines of up to `maxSteps` steps. */
export function fuzzPipelines(count: number, maxSteps: number, seed = 12): string[] {
  const pick = random(seed);
  const one = <T>(items: readonly T[]): T => items[pick(items.length)]!;
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    // Mistakes the runtime's parser finds stop a run before it loads plugins: at most one per
    // pipeline, in two of five, so most of the corpus reaches the plugin-aware checks.
    const mistake = pick(5) < 2 ? pick(9) : -1;
    let text = `# fuzz ${n}\n${mistake === 0 ? '' : `name: fuzz-${n}\n`}${one(RUNTIMES)}${one(PLUGIN_BLOCKS)}`;
    if (mistake === 1) text += 'settings: { timeout: 5 parsecs, concurrency: 0 }\n';
    text += 'steps:\n';
    const steps = 1 + pick(maxSteps);
    const broken = pick(steps);
    const ids: string[] = [];
    for (let s = 0; s < steps; s++) {
      const here = s === broken ? mistake : -1;
      const id = here === 2 ? 'Bad.Id' : here === 3 && ids.length > 0 ? ids[0]! : `s${s}`;
      text += `  - id: ${id}\n    run: ${one(RUNS)}\n`;
      text += here === 4 ? '    with: { message: "${{ steps.ghost.output }}" }\n' : one(WITHS);
      if (ids.length > 0 && (here === 5 || pick(3) === 0)) text += `    needs: [${here === 5 ? 'ghost' : one(ids)}]\n`;
      if (here === 6) text += '   with: { a: 1 }\n'; // less indented than the step: a YAML syntax error
      if (here === 7) text += '    timeout: 3 lightyears\n';
      ids.push(id);
    }
    if (mistake === 8) text += 'steps: []\n'; // a duplicate key
    if (pick(8) === 0) text = text.replace(/\n/g, '\r\n');
    out.push(text);
  }
  return out;
}
