import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compareCodePoints, digestPluginFiles, PluginFilesError } from '../../../runtime/src/trust';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('digestPluginFiles', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'aether-digest-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function tree(name: string, files: Record<string, string>): Promise<string> {
    const dir = path.join(tmp, name);
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await writeFile(path.join(dir, rel), text);
    }
    return dir;
  }

  it('lists every file with POSIX paths in code-point order, minus the documented exclusions', async () => {
    const dir = await tree('p1', {
      'package.json': '{}',
      'dist/index.js': 'js',
      'Z.md': 'z',
      '.npmignore': 'x',
      'aetherscript.attestation.json': 'ignored',
      'dist/aetherscript.attestation.json': 'counted',
      'node_modules/dep/index.js': 'bundled',
      'lib/node_modules/x.js': 'nested',
      '.git/HEAD': 'ignored',
    });
    const { files } = await digestPluginFiles(dir);
    assert.deepEqual(files, [
      { path: '.npmignore', sha256: sha('x') },
      { path: 'Z.md', sha256: sha('z') },
      { path: 'dist/aetherscript.attestation.json', sha256: sha('counted') },
      { path: 'dist/index.js', sha256: sha('js') },
      { path: 'lib/node_modules/x.js', sha256: sha('nested') },
      { path: 'node_modules/dep/index.js', sha256: sha('bundled') },
      { path: 'package.json', sha256: sha('{}') },
    ]);
  });

  it('follows links to files inside the folder and refuses links leading out', async () => {
    const dir = await tree('p2', { 'a.js': 'a' });
    await symlink('a.js', path.join(dir, 'b.js'));
    assert.deepEqual(
      (await digestPluginFiles(dir)).files.map((f) => [f.path, f.sha256]),
      [
        ['a.js', sha('a')],
        ['b.js', sha('a')],
      ],
    );
    await writeFile(path.join(tmp, 'outside.js'), 'o');
    await symlink(path.join(tmp, 'outside.js'), path.join(dir, 'c.js'));
    await assert.rejects(
      digestPluginFiles(dir),
      (e: unknown) => e instanceof PluginFilesError && e.path === 'c.js' && /outside the folder/.test(e.message),
    );
  });

  it('orders by code point, not UTF-16 unit', () => {
    const astral = '\u{1F600}'; // a surrogate pair in UTF-16
    const bmpHigh = '\uFF5E';
    assert.ok(compareCodePoints(bmpHigh, astral) < 0);
    assert.deepEqual(['b', astral, 'a', bmpHigh, 'ab'].sort(compareCodePoints), ['a', 'ab', 'b', bmpHigh, astral]);
  });
});
