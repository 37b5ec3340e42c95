// The language service's check (the runtime's parse plus the plugin checks) on the families of
// test/unit/pipeline/scaling.test.ts: each checked at N and 4N in this process; a linear check takes
// about 4x as long, a quadratic one 16x. The ratio (best of a few runs) is asserted, never a time.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService } from '../../../server/src/service/languageService';
import { assertLinear, FAMILIES } from '../pipeline/pathologicalPipelines';
import { memoryIndex, PLUGINS } from './helpers';

describe('the language service is linear in the document', () => {
  for (const { name, family, n } of FAMILIES) {
    it(name, async () => {
      const { index } = await memoryIndex(PLUGINS);
      const service = getLanguageService({ getIndex: () => index, incremental: false });
      let version = 0;
      const check = (text: string) => service.doValidation(TextDocument.create('file:///ws/scale.pipeline.yaml', 'yaml', ++version, text));
      assert.deepEqual(
        check(family(n)).filter((d) => d.severity === 1),
        [],
      );
      assertLinear(name, family, n, check);
    });
  }
});
