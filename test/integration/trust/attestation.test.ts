// Plugin attestation end to end (spec section 7), through the real CLI on temporary workspaces:
// `keys generate`, `plugins sign`, `keys trust`, then `aether run` under each `aether.trust.policy`
// with a verified plugin and one plugin for each way an attestation can fail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signPlugin } from '../../../runtime/src/trust';
import { createWorkspace, ofType, pluginModule, runAether, stepEnd, assertWellFormedRun, type Workspace } from '../runtime/workspace';

const ATTESTATION = 'aetherscript.attestation.json';

const plugin = (name: string, version = '1.0.0') => pluginModule({ name, version }, { execute: `return { by: ${JSON.stringify(name)} };` });

const PIPELINE = ['name: trust', 'steps:', '  - id: good', '    run: good', ''].join('\n');

/**
 * Each failing plugin, the status it must get and what its message must say. Under `require` no plugin
 * code runs before its signature checks out, so a plugin without a signed subject or a package.json is
 * named by its folder (its version is not known yet).
 */
const BAD: Array<{ name: string; status: string; message: RegExp }> = [
  {
    name: 'bad-unsigned',
    status: 'unsigned',
    message: /bad-unsigned(?:@1\.0\.0)? .* is unsigned: it has no aetherscript\.attestation\.json/,
  },
  {
    name: 'bad-unknown-key',
    status: 'unknown-key',
    message: /bad-unknown-key(?:@1\.0\.0)? .* is signed by key [0-9a-f]{64}, which is not in aether\.trust\.keys/,
  },
  {
    name: 'bad-signature',
    status: 'bad-signature',
    message: /bad-signature(?:@1\.0\.0)? .* has a signature that does not match for trusted key/,
  },
  { name: 'bad-changed', status: 'modified', message: /bad-changed@1\.0\.0 .* was modified after signing: changed index\.ts\./ },
  { name: 'bad-added', status: 'modified', message: /bad-added@1\.0\.0 .* was modified after signing: added extra\.js\./ },
  { name: 'bad-removed', status: 'modified', message: /bad-removed@1\.0\.0 .* was modified after signing: removed helper\.js\./ },
  {
    name: 'bad-malformed',
    status: 'malformed',
    message: /bad-malformed(?:@1\.0\.0)? .* has a malformed aetherscript\.attestation\.json: not JSON/,
  },
  {
    name: 'bad-mismatch',
    status: 'subject-mismatch',
    message: /bad-mismatch@1\.0\.0 .* carries an attestation for bad-mismatch@1\.1\.0, not for bad-mismatch@1\.0\.0/,
  },
];

describe('attestation through the CLI (spec section 7)', () => {
  let keysDir: string;
  let template: Workspace;
  let trustedKeys: unknown;
  let keyid: string;

  before(async () => {
    keysDir = await mkdtemp(path.join(os.tmpdir(), 'aether-keys-'));
    template = await createWorkspace({
      plugins: {
        good: plugin('good'),
        ...Object.fromEntries(BAD.map(({ name }) => [name, plugin(name)])),
        'bad-removed': { 'index.ts': plugin('bad-removed'), 'helper.js': 'export const helper = 1;\n' },
      },
    });
  });
  after(async () => {
    await template.dispose();
    await rm(keysDir, { recursive: true, force: true });
  });

  test('keys generate: private key mode 0600, never printed; public key and key id printed', async () => {
    for (const who of ['author', 'stranger']) {
      const result = await runAether(['keys', 'generate', '--out', who], keysDir);
      assert.equal(result.code, 0, result.stderr);
      const keyFile = path.join(keysDir, who, 'aether-signing.key');
      assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
      const pem = await readFile(keyFile, 'utf8');
      assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);
      const body = pem.split('\n').filter((line) => line && !line.startsWith('-----'));
      for (const output of [result.stdout, result.stderr]) {
        assert.doesNotMatch(output, /PRIVATE KEY/);
        for (const line of body) assert.ok(!output.includes(line), 'the private key must never be printed');
      }
      assert.match(await readFile(path.join(keysDir, who, 'aether-signing.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
      const id = /key id ([0-9a-f]{64})/.exec(result.stdout)?.[1];
      assert.ok(id, result.stdout);
      if (who === 'author') keyid = id;
    }
  });

  test('plugins sign writes the attestation; keys trust adds the public key', async () => {
    const sign = async (name: string, who = 'author') => {
      const result = await runAether(
        ['plugins', 'sign', path.join('plugins', name), '--key', path.join(keysDir, who, 'aether-signing.key')],
        template.root,
      );
      assert.equal(result.code, 0, `${name}: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`signed ${name}@1\\.0\\.0 with key [0-9a-f]{64}`));
    };
    // The CLI signs two (one with a key the workspace will not trust); the library signs the rest,
    // each CLI call loading every plugin of the workspace being the slow part.
    await sign('good');
    await sign('bad-unknown-key', 'stranger');
    for (const { name } of BAD) {
      if (name === 'bad-unsigned' || name === 'bad-unknown-key') continue;
      // bad-mismatch: its files are exactly what was signed, but under another version.
      const version = name === 'bad-mismatch' ? '1.1.0' : '1.0.0';
      await signPlugin(template.path('plugins', name), path.join(keysDir, 'author', 'aether-signing.key'), { name, version });
    }
    const envelope = JSON.parse(await template.read(`plugins/good/${ATTESTATION}`)) as {
      payloadType: string;
      signatures: Array<{ keyid: string }>;
    };
    assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
    assert.equal(envelope.signatures[0]!.keyid, keyid);

    // Tamper with the signed plugins, each in its own way.
    await template.write('plugins/bad-changed/index.ts', `${plugin('bad-changed')}// changed after signing\n`);
    await template.write('plugins/bad-added/extra.js', 'export const extra = 1;\n');
    await template.remove('plugins/bad-removed/helper.js');
    await template.write(`plugins/bad-malformed/${ATTESTATION}`, '{ "payloadType": "application/vnd.in-toto+json", ');
    // A different payload under the original signature.
    const forged = JSON.parse(await template.read(`plugins/bad-signature/${ATTESTATION}`)) as { payload: string };
    const statement = JSON.parse(Buffer.from(forged.payload, 'base64').toString('utf8')) as { predicate: { files: unknown[] } };
    statement.predicate.files = [];
    forged.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    await template.write(`plugins/bad-signature/${ATTESTATION}`, JSON.stringify(forged));

    await template.write('aether.config.json', `${JSON.stringify({ name: 'kept', aether: { trust: { policy: 'require' } } }, null, 2)}\n`);
    const trust = await template.run(['keys', 'trust', path.join(keysDir, 'author', 'aether-signing.pub')]);
    assert.equal(trust.code, 0, trust.stderr);
    assert.match(trust.stdout, new RegExp(`trusted key ${keyid} added`));
    const config = JSON.parse(await template.read('aether.config.json')) as {
      name: string;
      aether: { trust: { policy: string; keys: Array<{ keyid: string }> } };
    };
    assert.equal(config.name, 'kept');
    assert.equal(config.aether.trust.policy, 'require');
    assert.deepEqual(
      config.aether.trust.keys.map((k) => k.keyid),
      [keyid],
    );
    trustedKeys = config.aether.trust.keys;
  });

  /** A workspace holding copies of some of the template's plugins, under `policy`. */
  async function workspaceWith(names: string[], policy: string | undefined): Promise<Workspace> {
    const ws = await createWorkspace({
      pipelines: { 'trust.pipeline.yaml': PIPELINE },
      config: { aether: { trust: { ...(policy ? { policy } : {}), keys: trustedKeys } } },
    });
    for (const name of names) await cp(template.path('plugins', name), ws.path('plugins', name), { recursive: true });
    return ws;
  }

  test('require: a verified plugin loads, its plugin-load says verified', async () => {
    const ws = await workspaceWith(['good'], 'require');
    try {
      const run = await ws.run(['run', 'trust.pipeline.yaml', '--json']);
      assert.equal(run.code, 0, run.stderr);
      assertWellFormedRun(run);
      assert.deepEqual(
        ofType(run.events, 'plugin-load').map((e) => [e.name, e.attestation]),
        [['good', 'verified']],
      );
      assert.equal(stepEnd(run.events, 'good').status, 'ok');
      assert.deepEqual(ofType(run.events, 'warning'), []);
    } finally {
      await ws.dispose();
    }
  });

  test('require: each failing plugin is not loaded, with its own message; exit 2', async () => {
    const ws = await workspaceWith(['good', ...BAD.map((b) => b.name)], 'require');
    try {
      const run = await ws.run(['run', 'trust.pipeline.yaml', '--json']);
      assert.equal(run.code, 2, run.stderr);
      assertWellFormedRun(run);
      const errors = ofType(run.events, 'plugin-error');
      assert.deepEqual(errors.map((e) => e.plugin).sort(), BAD.map((b) => b.name).sort(), JSON.stringify(errors, null, 2));
      for (const bad of BAD) {
        const message = errors.find((e) => e.plugin === bad.name)!.message;
        assert.match(message, new RegExp(`^attestation ${bad.status}: `), bad.name);
        assert.match(message, bad.message, bad.name);
        assert.match(message, /Not loaded: aether\.trust\.policy is "require"\. \S/, bad.name);
      }
      // Only the verified one loaded, and nothing ran.
      assert.deepEqual(
        ofType(run.events, 'plugin-load').map((e) => [e.name, e.attestation]),
        [['good', 'verified']],
      );
      assert.deepEqual(ofType(run.events, 'step-start'), []);
      assert.equal(ofType(run.events, 'run-end')[0]!.status, 'failed');
    } finally {
      await ws.dispose();
    }
  });

  test('require: one failing plugin is enough for exit 2, with the reason on stderr', async () => {
    const ws = await workspaceWith(['good', 'bad-removed'], 'require');
    try {
      const human = await ws.run(['run', 'trust.pipeline.yaml']);
      assert.equal(human.code, 2, human.stderr);
      assert.match(human.stderr, /error plugin\/attestation: attestation modified: /);
      assert.match(human.stderr, BAD.find((b) => b.name === 'bad-removed')!.message);
      assert.match(human.stderr, /Reinstall the plugin, or re-sign it/);
    } finally {
      await ws.dispose();
    }
  });

  test('the failure messages are distinct', () => {
    const patterns = BAD.map((b) => b.message.source);
    assert.equal(new Set(patterns).size, patterns.length);
  });

  test('warn: every plugin loads, each unverified one with a warning event', async () => {
    const ws = await workspaceWith(['good', ...BAD.map((b) => b.name)], 'warn');
    try {
      const run = await ws.run(['run', 'trust.pipeline.yaml', '--json']);
      assert.equal(run.code, 0, run.stderr);
      assertWellFormedRun(run);
      const loads = new Map(ofType(run.events, 'plugin-load').map((e) => [e.name, e.attestation]));
      assert.equal(loads.get('good'), 'verified');
      for (const bad of BAD) assert.equal(loads.get(bad.name), bad.status, bad.name);
      const warnings = ofType(run.events, 'warning');
      for (const bad of BAD) {
        const mine = warnings.filter((w) => w.plugin === bad.name);
        assert.equal(mine.length, 1, `${bad.name}: ${JSON.stringify(warnings)}`);
        assert.match(mine[0]!.message, bad.message);
        assert.match(mine[0]!.message, /Loaded anyway: aether\.trust\.policy is "warn"/);
      }
      assert.equal(warnings.filter((w) => w.plugin === 'good').length, 0);
      assert.equal(stepEnd(run.events, 'good').status, 'ok');

      // plugins list shows each status, and the key id of the verified one.
      const list = await ws.run(['plugins', 'list', '--json']);
      assert.equal(list.code, 0, list.stderr);
      const listed = JSON.parse(list.stdout) as { plugins: Array<{ name: string; attestation: { status: string; keyid?: string } }> };
      const byName = new Map(listed.plugins.map((p) => [p.name, p.attestation]));
      assert.deepEqual(byName.get('good'), { status: 'verified', keyid });
      for (const bad of BAD) assert.equal(byName.get(bad.name)?.status, bad.status);
      const verbose = await ws.run(['plugins', 'list', '--verbose']);
      assert.equal(verbose.code, 0, verbose.stderr);
      assert.match(verbose.stdout, new RegExp(`good@1\\.0\\.0[^\\n]*\\n(?:[^\\n]*\\n)*?\\s+attestation: verified \\(key ${keyid}\\)`));
      assert.match(verbose.stdout, /bad-unsigned@1\.0\.0[^\n]*\n(?:\s{5}[^\n]*\n)*?\s+attestation: unsigned\n/);
    } finally {
      await ws.dispose();
    }
  });

  test('warn is the default policy', async () => {
    const ws = await workspaceWith(['good', 'bad-unsigned'], undefined);
    try {
      const run = await ws.run(['run', 'trust.pipeline.yaml', '--json']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(ofType(run.events, 'warning').filter((w) => w.plugin === 'bad-unsigned').length, 1);
    } finally {
      await ws.dispose();
    }
  });

  test('off: nothing is checked, everything loads as unchecked, no warning', async () => {
    const ws = await workspaceWith(['good', ...BAD.map((b) => b.name)], 'off');
    try {
      const run = await ws.run(['run', 'trust.pipeline.yaml', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const loads = ofType(run.events, 'plugin-load');
      assert.equal(loads.length, BAD.length + 1);
      for (const load of loads) assert.equal(load.attestation, 'unchecked', load.name);
      assert.deepEqual(ofType(run.events, 'warning'), []);
    } finally {
      await ws.dispose();
    }
  });

  test('validate reports an attestation failure under require (exit 2)', async () => {
    const ws = await workspaceWith(['good', 'bad-changed'], 'require');
    try {
      const result = await ws.run(['validate', 'trust.pipeline.yaml']);
      assert.equal(result.code, 2);
      assert.match(result.stdout, /plugin\/attestation/);
      assert.match(result.stdout, /bad-changed@1\.0\.0 .* was modified after signing/);
    } finally {
      await ws.dispose();
    }
  });

  test('a bad aether.trust section is an input error (exit 2)', async () => {
    const ws = await workspaceWith(['good'], 'require');
    try {
      await writeFile(ws.path('aether.config.json'), JSON.stringify({ aether: { trust: { policy: 'strict' } } }));
      const run = await ws.run(['run', 'trust.pipeline.yaml', '--json']);
      assert.equal(run.code, 2, run.stderr);
      const errors = ofType(run.events, 'plugin-error');
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.match(errors[0]!.message, /"aether\.trust\.policy" is "strict"; allowed values: "require", "warn", "off"/);
      assert.equal(errors[0]!.file, ws.path('aether.config.json'));
      // No plugin code is loaded when the policy cannot be known.
      assert.deepEqual(ofType(run.events, 'plugin-load'), []);
    } finally {
      await ws.dispose();
    }
  });
});
