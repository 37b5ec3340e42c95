// The attack suite (spec section 7, "What `require` guarantees"): each attack runs against a real
// signed workspace through the real CLI. The victim plugin may write `out/`, so attacker code that
// runs as the victim *could* leave its marker there: a marker that is never written, and an attacker
// line that never reaches the output, mean the attacker's code never ran. Every attack also checks
// that aether.config.json is unchanged and that the CLI answered in bounded time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile, mkdir, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signPlugin } from '../../../runtime/src/trust';
import { ensureBuilt, ofType, runAether, type AetherResult } from '../runtime/workspace';

const ATTESTATION = 'aetherscript.attestation.json';
const CONFIG = 'aether.config.json';
/** Every refusal must come well within this (a FIFO once made the CLI hang forever). */
const BOUNDED_MS = 20_000;

const VICTIM_META = { name: 'victim', version: '1.0.0', commands: { go: {} }, permissions: { fs: { write: ['out/'] } } };

/** Code an attacker wants to run as the victim: it leaves `out/attacker-<tag>` and prints a line. */
function attackerCode(tag: string): string {
  return [
    "import { mkdirSync as __aMkdir, writeFileSync as __aWrite } from 'node:fs';",
    `try { __aMkdir('out', { recursive: true }); __aWrite('out/attacker-${tag}', 'ran'); } catch {}`,
    `console.log('ATTACKER-RAN ${tag}');`,
    '',
  ].join('\n');
}

const victimSource = (header = ''): string =>
  [
    header,
    "import { helper } from './helper.ts';",
    'export default class Victim {',
    `  static meta = ${JSON.stringify(VICTIM_META)};`,
    '  async execute() { return { helper: helper() }; }',
    '}',
    '',
  ].join('\n');

const PIPELINE = 'name: attacks\nsteps:\n  - id: go\n    run: go\n';

interface Attacked {
  root: string;
  run(args: string[]): Promise<AetherResult & { ms: number }>;
  path(...parts: string[]): string;
}

describe('attacks on a signed workspace under require (spec section 7)', () => {
  let template: string;
  let keysDir: string;
  let configText: string;
  const made: string[] = [];

  before(async () => {
    ensureBuilt();
    keysDir = await mkdtemp(path.join(os.tmpdir(), 'aether-attack-keys-'));
    template = await mkdtemp(path.join(os.tmpdir(), 'aether-attack-'));
    await mkdir(path.join(template, 'plugins', 'victim'), { recursive: true });
    await writeFile(path.join(template, 'plugins/victim/index.ts'), victimSource());
    await writeFile(path.join(template, 'plugins/victim/helper.ts'), "export function helper() { return 'genuine'; }\n");
    await writeFile(path.join(template, 'attacks.pipeline.yaml'), PIPELINE);
    await writeFile(path.join(template, CONFIG), '{}\n');
    const cli = (args: string[]) => runAether(args, template);
    assert.equal((await cli(['keys', 'generate', '--out', keysDir])).code, 0);
    const signed = await cli(['plugins', 'sign', 'plugins/victim', '--key', path.join(keysDir, 'aether-signing.key')]);
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal((await cli(['keys', 'trust', path.join(keysDir, 'aether-signing.pub')])).code, 0);
    const config = JSON.parse(await readFile(path.join(template, CONFIG), 'utf8')) as { aether: { trust: { policy?: string } } };
    config.aether.trust.policy = 'require';
    configText = `${JSON.stringify(config, null, 2)}\n`;
    await writeFile(path.join(template, CONFIG), configText);
  });
  after(async () => {
    if (process.env.AETHER_KEEP_WORKSPACES) return;
    for (const dir of [template, keysDir, ...made]) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh copy of the signed workspace. */
  async function attacked(): Promise<Attacked> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'aether-attacked-'));
    made.push(root);
    await cp(template, root, { recursive: true });
    return {
      root,
      path: (...parts) => path.join(root, ...parts),
      run: async (args) => {
        const started = Date.now();
        const result = await runAether(args, root, { timeoutMs: BOUNDED_MS * 2 });
        return { ...result, ms: Date.now() - started };
      },
    };
  }

  /** The attacker's code never ran, nothing of the runtime's changed, and the CLI answered in time. */
  async function assertHarmless(ws: Attacked, tag: string, results: Array<AetherResult & { ms: number }>): Promise<void> {
    assert.equal(existsSync(ws.path('out', `attacker-${tag}`)), false, `the attacker's code ran (${tag})`);
    for (const result of results) {
      assert.doesNotMatch(result.stdout + result.stderr, /ATTACKER-RAN/, `the attacker's code ran (${tag})`);
      assert.ok(result.ms < BOUNDED_MS, `the CLI took ${result.ms} ms`);
    }
    assert.equal(await readFile(ws.path(CONFIG), 'utf8'), configText, 'aether.config.json changed');
  }

  /** A run that did run the genuine victim. */
  function assertGenuine(run: AetherResult): void {
    assert.equal(run.code, 0, run.stderr);
    const end = ofType(run.events, 'step-end').find((e) => e.stepId === 'go');
    assert.deepEqual((end as { output?: unknown } | undefined)?.output, { helper: 'genuine' });
  }

  test('baseline: the signed victim runs, verified', async () => {
    const ws = await attacked();
    const run = await ws.run(['run', 'attacks.pipeline.yaml', '--json']);
    assertGenuine(run);
    await assertHarmless(ws, 'none', [run]);
  });

  test('an edited compile-cache entry, manifest hashes included, is never run: it is rebuilt from the verified sources', async () => {
    const ws = await attacked();
    const warm = await ws.run(['run', 'attacks.pipeline.yaml', '--json']);
    assertGenuine(warm);
    const cacheDir = ws.path('.aether', 'cache', 'plugins');
    const entries = (await readdir(cacheDir)).filter((name) => name.startsWith('victim-') && !name.endsWith('.json'));
    assert.ok(entries.length > 0, 'the warm run left a cache entry');
    for (const entry of entries) {
      const file = path.join(cacheDir, entry, 'index.mjs');
      await writeFile(file, attackerCode('cache') + (await readFile(file, 'utf8')));
    }
    // An attacker who knows the manifest format makes its hashes match the edit too.
    for (const name of (await readdir(cacheDir)).filter((n) => n.startsWith('victim-') && n.endsWith('.manifest.json'))) {
      const manifestFile = path.join(cacheDir, name);
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { graphDir: string; outputs: Array<[string, string]> };
      manifest.outputs = await Promise.all(
        manifest.outputs.map(async ([out]): Promise<[string, string]> => [
          out,
          createHash('sha256')
            .update(await readFile(path.join(cacheDir, manifest.graphDir, out)))
            .digest('hex'),
        ]),
      );
      await writeFile(manifestFile, JSON.stringify(manifest));
    }
    const run = await ws.run(['run', 'attacks.pipeline.yaml', '--json']);
    assertGenuine(run);
    await assertHarmless(ws, 'cache', [run]);
  });

  test('a cache planted before the first run (committed to the repository, say) is ignored', async () => {
    const ws = await attacked();
    const warm = await ws.run(['run', 'attacks.pipeline.yaml', '--json']);
    assertGenuine(warm);
    const cacheDir = ws.path('.aether', 'cache', 'plugins');
    const copy = await attacked();
    await cp(cacheDir, copy.path('.aether', 'cache', 'plugins'), { recursive: true });
    for (const entry of (await readdir(copy.path('.aether/cache/plugins'))).filter((n) => !n.endsWith('.json'))) {
      const file = copy.path('.aether/cache/plugins', entry, 'index.mjs');
      await writeFile(file, attackerCode('planted') + (await readFile(file, 'utf8')));
    }
    // The seal key is per user: an attacker's own seal means nothing here.
    const run = await copy.run(['run', 'attacks.pipeline.yaml', '--json']);
    assertGenuine(run);
    await assertHarmless(copy, 'planted', [run]);
  });

  test('a swapped file in the plugin’s own node_modules is refused as modified, naming the file', async () => {
    const ws = await attacked();
    await mkdir(ws.path('plugins/victim/node_modules/dep'), { recursive: true });
    await writeFile(ws.path('plugins/victim/node_modules/dep/package.json'), '{"name":"dep","version":"1.0.0","main":"index.js"}');
    await writeFile(ws.path('plugins/victim/node_modules/dep/index.js'), 'module.exports = () => "dep";\n');
    await writeFile(ws.path('plugins/victim/index.ts'), victimSource("import dep from 'dep';\nvoid dep;"));
    const signed = await ws.run(['plugins', 'sign', 'plugins/victim', '--key', path.join(keysDir, 'aether-signing.key')]);
    assert.equal(signed.code, 0, signed.stderr);
    assertGenuine(await ws.run(['run', 'attacks.pipeline.yaml', '--json']));

    await writeFile(
      ws.path('plugins/victim/node_modules/dep/index.js'),
      `${attackerCode('node-modules').replace(/import .*\n/, "const { mkdirSync: __aMkdir, writeFileSync: __aWrite } = require('node:fs');\n")}module.exports = () => "dep";\n`,
    );
    const run = await ws.run(['run', 'attacks.pipeline.yaml', '--json']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /victim.*modified after signing: changed node_modules\/dep\/index\.js/);
    await assertHarmless(ws, 'node-modules', [run]);
  });

  test('an import that leaves the plugin folder is refused by sign and, in a plugin signed anyway, at load time', async () => {
    const ws = await attacked();
    await mkdir(ws.path('lib'), { recursive: true });
    await writeFile(ws.path('lib/helper.ts'), "export function outside() { return 'outside'; }\n");
    await writeFile(ws.path('plugins/victim/index.ts'), victimSource("import { outside } from '../../lib/helper.ts';\nvoid outside;"));
    const sign = await ws.run(['plugins', 'sign', 'plugins/victim', '--key', path.join(keysDir, 'aether-signing.key')]);
    assert.equal(sign.code, 2, sign.stdout);
    assert.match(sign.stderr, /'\.\.\/\.\.\/lib\/helper\.ts' resolves to .*lib\/helper\.ts, outside the plugin folder/);

    // Signed by a tool that did not check (the library call below), then the helper is edited.
    await signPlugin(ws.path('plugins/victim'), path.join(keysDir, 'aether-signing.key'), VICTIM_META);
    await writeFile(ws.path('lib/helper.ts'), `${attackerCode('outside')}export function outside() { return 'evil'; }\n`);
    const run = await ws.run(['run', 'attacks.pipeline.yaml', '--json']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /index\.ts.*outside the plugin folder/);
    await assertHarmless(ws, 'outside', [run]);
  });

  test('index.ts swapped back and forth while loads run: never verified-and-evil, 12 loads', async () => {
    const ws = await attacked();
    const good = victimSource();
    const evil = victimSource(attackerCode('race'));
    const index = ws.path('plugins/victim/index.ts');
    let flips = 0;
    let stop = false;
    const flipper = (async () => {
      while (!stop) {
        const next = flips++ % 2 === 0 ? evil : good;
        await writeFile(ws.path('index.ts.next'), next);
        await rename(ws.path('index.ts.next'), index);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    const results: Array<AetherResult & { ms: number }> = [];
    try {
      for (let i = 0; i < 12; i++) results.push(await ws.run(['run', 'attacks.pipeline.yaml', '--json']));
    } finally {
      stop = true;
      await flipper;
    }
    assert.ok(flips > 100, `the file was swapped ${flips} times`);
    for (const run of results) {
      if (run.code === 0) assertGenuine(run);
      else assert.match(run.stderr, /victim.*modified after signing: changed index\.ts/);
    }
    await assertHarmless(ws, 'race', results);
  });

  test('a subject that does not match the meta is refused before any of the plugin’s code runs', async () => {
    const ws = await attacked();
    await writeFile(ws.path('plugins/victim/index.ts'), victimSource(attackerCode('subject')));
    // A valid signature over these very files, but for another version.
    await signPlugin(ws.path('plugins/victim'), path.join(keysDir, 'aether-signing.key'), { ...VICTIM_META, version: '9.9.9' });
    const run = await ws.run(['run', 'attacks.pipeline.yaml', '--json']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /carries an attestation for victim@9\.9\.9, not for victim@1\.0\.0/);
    await assertHarmless(ws, 'subject', [run]);
  });

  test('plugins sign runs no plugin code: neither the plugin signed nor the unsigned one beside it', async () => {
    const ws = await attacked();
    await mkdir(ws.path('plugins/evil'), { recursive: true });
    await writeFile(
      ws.path('plugins/evil/index.ts'),
      `${attackerCode('sign-other')}export default class Evil { static meta = { name: 'evil', version: '1.0.0', permissions: { fs: { write: ['out/'] } } }; async execute() {} }\n`,
    );
    await writeFile(ws.path('plugins/victim/index.ts'), victimSource(attackerCode('sign-self')));
    const key = path.join(keysDir, 'aether-signing.key');
    const signVictim = await ws.run(['plugins', 'sign', 'plugins/victim', '--key', key]);
    const signEvil = await ws.run(['plugins', 'sign', 'plugins/evil', '--key', key]);
    assert.equal(signVictim.code, 0, signVictim.stderr);
    assert.equal(signEvil.code, 0, signEvil.stderr);
    await assertHarmless(ws, 'sign-other', [signVictim, signEvil]);
    await assertHarmless(ws, 'sign-self', [signVictim, signEvil]);
  });

  test('a module imported at run time obeys the same rules: the verified copy loads, the folder on disk is out of reach', async () => {
    const ws = await attacked();
    const original = ws.path('plugins/victim/late.js');
    await writeFile(original, "export default 'genuine-late';\n");
    await writeFile(
      ws.path('plugins/victim/index.ts'),
      [
        "import { helper } from './helper.ts';",
        'export default class Victim {',
        `  static meta = ${JSON.stringify(VICTIM_META)};`,
        '  async execute() {',
        // Computed at run time, so the compiler cannot point it at the verified copy.
        `    const onDisk = [${JSON.stringify('file://')}, ${JSON.stringify(original)}].join('');`,
        "    let direct; try { await import(onDisk); direct = 'loaded'; } catch (e) { direct = e.code ?? e.message; }",
        "    const late = await import(new URL('./late.js', import.meta.url).href);",
        '    return { helper: helper(), direct, late: late.default, url: import.meta.url };',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const signed = await ws.run(['plugins', 'sign', 'plugins/victim', '--key', path.join(keysDir, 'aether-signing.key')]);
    assert.equal(signed.code, 0, signed.stderr);
    const run = await ws.run(['run', 'attacks.pipeline.yaml', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const output = (ofType(run.events, 'step-end')[0] as { output?: { direct: string; late: string; url: string } }).output;
    assert.equal(output?.late, 'genuine-late');
    assert.equal(output?.direct, 'ERR_ACCESS_DENIED', 'the plugin folder on disk is not readable by a verified plugin');
    assert.match(output?.url ?? '', /\/\.aether\/cache\/plugins\/victim-[0-9a-f]+\/files\/index\.ts$/);
    await assertHarmless(ws, 'late', [run]);
  });

  test('an npm dependency runs under require only as the lockfile records it, with its integrity', async () => {
    const ws = await attacked();
    await mkdir(ws.path('node_modules/shout'), { recursive: true });
    await writeFile(ws.path('node_modules/shout/package.json'), '{"name":"shout","version":"1.0.0","type":"module","main":"index.js"}');
    await writeFile(ws.path('node_modules/shout/index.js'), 'export default (s) => s.toUpperCase();\n');
    await writeFile(ws.path('plugins/victim/index.ts'), victimSource("import shout from 'shout';\nvoid shout;"));
    const signed = await ws.run(['plugins', 'sign', 'plugins/victim', '--key', path.join(keysDir, 'aether-signing.key')]);
    assert.equal(signed.code, 0, signed.stderr);

    const unlocked = await ws.run(['run', 'attacks.pipeline.yaml', '--json']);
    assert.equal(unlocked.code, 2, unlocked.stderr);
    assert.match(unlocked.stderr, /victim.*package shout .* is not covered: the workspace has no package-lock\.json/);

    const lock = (version: string) =>
      JSON.stringify({
        name: 'ws',
        lockfileVersion: 3,
        packages: {
          '': {},
          'node_modules/shout': { version, resolved: 'https://registry.npmjs.org/shout/-/shout-1.0.0.tgz', integrity: 'sha512-AAAA' },
        },
      });
    await writeFile(ws.path('package-lock.json'), lock('1.0.0'));
    assertGenuine(await ws.run(['run', 'attacks.pipeline.yaml', '--json']));

    // Installed at another version than the lockfile's (a swapped package): refused, naming both.
    await writeFile(ws.path('package-lock.json'), lock('0.9.0'));
    const drifted = await ws.run(['run', 'attacks.pipeline.yaml', '--json']);
    assert.equal(drifted.code, 2);
    assert.match(drifted.stderr, /package shout \(node_modules\/shout\) is installed at 1\.0\.0 but package-lock\.json records 0\.9\.0/);
    await assertHarmless(ws, 'lockfile', [unlocked, drifted]);
  });

  test('a FIFO, an oversized payload and 17 signatures are refused quickly, each with its reason', async () => {
    const ws = await attacked();
    const victimAttestation = ws.path('plugins/victim', ATTESTATION);
    const cases: Array<{ make: () => Promise<void>; reason: RegExp }> = [
      {
        make: async () => {
          await rm(victimAttestation);
          execFileSync('mkfifo', [victimAttestation]);
        },
        reason: /a FIFO, not a regular file/,
      },
      {
        make: async () => {
          // A 2 MB payload: refused by its size, before it is parsed or decoded.
          const envelope = { payloadType: 'application/vnd.in-toto+json', payload: 'A'.repeat(2 * 1024 * 1024), signatures: [] };
          await rm(victimAttestation, { force: true });
          await writeFile(victimAttestation, JSON.stringify(envelope));
        },
        reason: /over the 1048576 byte limit/,
      },
      {
        make: async () => {
          const signed = JSON.parse(await readFile(path.join(template, 'plugins/victim', ATTESTATION), 'utf8')) as {
            signatures: unknown[];
          };
          signed.signatures = Array.from({ length: 17 }, () => signed.signatures[0]);
          await writeFile(victimAttestation, JSON.stringify(signed));
        },
        reason: /17 signatures, more than the 16 allowed/,
      },
    ];
    for (const { make, reason } of cases) {
      await make();
      const list = await ws.run(['plugins', 'list', '--verbose']);
      const run = await ws.run(['run', 'attacks.pipeline.yaml', '--json']);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /victim/);
      assert.match(run.stderr, reason);
      assert.match(list.stderr, reason);
      await assertHarmless(ws, 'bounded', [list, run]);
    }
  });

  test('a symbolic link in the plugin folder that leads outside is refused by sign and makes a signed plugin modified', async () => {
    const ws = await attacked();
    await writeFile(ws.path('outside.ts'), 'export const x = 1;\n');
    await symlink(ws.path('outside.ts'), ws.path('plugins/victim/linked.ts'));
    const sign = await ws.run(['plugins', 'sign', 'plugins/victim', '--key', path.join(keysDir, 'aether-signing.key')]);
    assert.equal(sign.code, 2);
    assert.match(sign.stderr, /linked\.ts in the plugin folder is a symbolic link leading outside the folder/);
    const run = await ws.run(['run', 'attacks.pipeline.yaml', '--json']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /victim.*modified after signing/);
    await assertHarmless(ws, 'symlink', [sign, run]);
  });
});

describe('a loaded plugin turned hostile cannot change the runtime’s files (any policy)', () => {
  const HOSTILE = `
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
const attempt = (what, fn) => { try { fn(); return what + ': done'; } catch (e) { return what + ': ' + (e.code ?? e.message); } };
export default class Hostile {
  static meta = { name: 'hostile', version: '1.0.0', commands: { hostile: {} }, permissions: { fs: { write: ['dist/'] }, env: ['DECLARED'] } };
  async execute() {
    const results = [
      attempt('write config', () => fs.writeFileSync('aether.config.json', '{"aether":{"trust":{"policy":"off"}}}')),
      attempt('write cache', () => fs.writeFileSync('.aether/cache/plugins/poison.mjs', 'x')),
      attempt('write other plugin', () => fs.writeFileSync('plugins/other/index.ts', 'x')),
      attempt('write node_modules', () => fs.mkdirSync('node_modules/evil', { recursive: true })),
      attempt('read other plugin', () => fs.readFileSync('plugins/other/index.ts')),
      attempt('read seal key', () => fs.readFileSync(path.join(os.homedir(), '.cache/aetherscript/cache-seal.key'))),
      attempt('symlink out of dist', () => fs.symlinkSync(path.resolve('aether.config.json'), 'dist/config-link')),
      attempt('write dist', () => { fs.mkdirSync('dist', { recursive: true }); fs.writeFileSync('dist/ok.txt', 'ok'); }),
    ];
    let imported;
    try { await import(path.resolve('plugins/other/index.ts')); imported = 'done'; } catch (e) { imported = e.code ?? e.message; }
    results.push('import other plugin: ' + imported);
    results.push('env SECRET: ' + (process.env.SECRET ?? 'unset'));
    results.push('env DECLARED: ' + (process.env.DECLARED ?? 'unset'));
    return results;
  }
}
`;

  test('writes only where declared, reads only its own folder, sees only declared variables', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'aether-hostile-'));
    try {
      await mkdir(path.join(root, 'plugins/hostile'), { recursive: true });
      await mkdir(path.join(root, 'plugins/other'), { recursive: true });
      await writeFile(path.join(root, 'plugins/hostile/index.ts'), HOSTILE);
      await writeFile(
        path.join(root, 'plugins/other/index.ts'),
        "export default class Other { static meta = { name: 'other', version: '1.0.0', commands: { other: {} } }; async execute() {} }\n",
      );
      const config = '{\n  "aether": { "trust": { "policy": "warn" } }\n}\n';
      await writeFile(path.join(root, CONFIG), config);
      await writeFile(path.join(root, 'p.pipeline.yaml'), 'name: p\nsteps:\n  - id: h\n    run: hostile\n');
      const run = await runAether(['run', 'p.pipeline.yaml', '--json'], root, { env: { SECRET: 'hunter2', DECLARED: 'yes' } });
      assert.equal(run.code, 0, run.stderr);
      const output = (ofType(run.events, 'step-end')[0] as { output?: string[] }).output;
      assert.deepEqual(output, [
        'write config: ERR_ACCESS_DENIED',
        'write cache: ERR_ACCESS_DENIED',
        'write other plugin: ERR_ACCESS_DENIED',
        'write node_modules: ERR_ACCESS_DENIED',
        'read other plugin: ERR_ACCESS_DENIED',
        'read seal key: ERR_ACCESS_DENIED',
        'symlink out of dist: ERR_ACCESS_DENIED',
        'write dist: done',
        'import other plugin: ERR_ACCESS_DENIED',
        'env SECRET: unset',
        'env DECLARED: yes',
      ]);
      assert.equal(await readFile(path.join(root, CONFIG), 'utf8'), config);
      assert.equal(existsSync(path.join(root, 'node_modules/evil')), false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('a failed write names the permission it lacks; a grant over the runtime’s files is refused before loading', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'aether-perm-'));
    try {
      await mkdir(path.join(root, 'plugins/w'), { recursive: true });
      await writeFile(
        path.join(root, 'plugins/w/index.ts'),
        "import { writeFileSync } from 'node:fs';\nexport default class W { static meta = { name: 'w', version: '1.0.0', commands: { w: {} } }; async execute() { writeFileSync('report.txt', 'x'); } }\n",
      );
      await writeFile(path.join(root, 'p.pipeline.yaml'), 'name: p\nsteps:\n  - id: w\n    run: w\n');
      const run = await runAether(['run', 'p.pipeline.yaml'], root);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout + run.stderr, /permission denied: writing \S*report\.txt needs meta\.permissions\.fs\.write/);

      await writeFile(
        path.join(root, 'plugins/w/index.ts'),
        "export default class W { static meta = { name: 'w', version: '1.0.0', commands: { w: {} }, permissions: { fs: { write: ['.'] } } }; async execute() {} }\n",
      );
      const refused = await runAether(['run', 'p.pipeline.yaml'], root);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /meta\.permissions\.fs\.write "\." is the whole workspace/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
