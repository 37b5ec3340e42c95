// Hover over `static meta` in a plugin source: the permissions the runtime will grant it (spec
// section 7), read the way the runtime reads them, before any of the plugin runs.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from '../../../server/src/service/languageService';
import { memoryIndex, pluginSource } from './helpers';

async function hoverAt(source: string, needle: string): Promise<string> {
  const { index } = await memoryIndex({ p: source });
  const service = getLanguageService({ getIndex: () => index });
  const document = TextDocument.create('file:///ws/plugins/p/index.ts', 'typescript', 1, source);
  const hover = service.doHover(document, document.positionAt(source.indexOf(needle)));
  return typeof hover?.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
}

describe('hover in plugin sources', () => {
  it('shows what the plugin may read, write and see', async () => {
    const text = await hoverAt(
      pluginSource("{ name: 'p', version: '1.2.0', permissions: { fs: { write: ['dist/'], read: ['src/'] }, env: ['REGION'] } }"),
      'permissions',
    );
    assert.match(text, /\*\*p\*\* 1\.2\.0/);
    assert.match(text, /reads: its own folder, `src\/`, `dist\/`/);
    assert.match(text, /writes: `dist\/`/);
    assert.match(text, /environment: `REGION`/);
  });

  it('says what declaring nothing means', async () => {
    const text = await hoverAt(pluginSource("{ name: 'p', version: '1.0.0' }"), 'version');
    assert.match(text, /reads: its own folder\n/);
    assert.match(text, /writes: nowhere/);
    assert.match(text, /environment: no variables/);
  });

  it('warns when the permissions are not a literal', async () => {
    const text = await hoverAt(
      `const WRITE = ['dist/'];\n${pluginSource("{ name: 'p', version: '1.0.0', permissions: { fs: { write: WRITE } } }")}`,
      'permissions',
    );
    assert.match(text, /not a literal.*will be refused/);
  });

  it('answers nothing outside the meta', async () => {
    assert.equal(await hoverAt(pluginSource("{ name: 'p', version: '1.0.0' }"), 'execute'), '');
  });
});
