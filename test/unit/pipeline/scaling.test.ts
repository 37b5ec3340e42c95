// parsePipeline stays linear on files that used to freeze it: many aliases, many keys in one mapping,
// many anchors of one name (timed at N and 4N), long `needs` chains with expressions (the graph
// lookups counted), and nesting deep enough to overflow the YAML composer's stack.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parsePipeline } from '../../../runtime/src/pipeline';
import { checkExpressions } from '../../../runtime/src/pipeline/expressionChecks';
import type { StepGraph } from '../../../runtime/src/pipeline/graph';
import { checkSteps, readStepNodes } from '../../../runtime/src/pipeline/stepChecks';
import { MAX_NESTING } from '../../../runtime/src/pipeline/yamlDocument';
import { aliases, assertLinear, chain, deepFlow, keys, sameAnchor } from './pathologicalPipelines';

const FILE = 'scale.pipeline.yaml';

/** A Map that counts its lookups: the work a graph walk does. */
class CountingMap<K, V> extends Map<K, V> {
  lookups = 0;
  override get(key: K): V | undefined {
    this.lookups++;
    return super.get(key);
  }
  override has(key: K): boolean {
    this.lookups++;
    return super.has(key);
  }
}

/** Graph lookups made by the expression checks of a parsed chain of n steps. */
function expressionWork(n: number): number {
  const text = chain(n);
  const parsed = parsePipeline(text, FILE);
  assert.deepEqual(parsed.diagnostics, []);
  const context = { text, lineCounter: parsed.lineCounter, document: parsed.document, file: FILE };
  const steps = readStepNodes(parsed.document);
  const { graph } = checkSteps(context, steps);
  const needs = new CountingMap(graph.needs);
  const counted: StepGraph = { ...graph, needs };
  assert.deepEqual(checkExpressions(context, steps, counted, new Set()), []);
  return needs.lookups;
}

describe('parsePipeline is linear in the document', () => {
  for (const { name, family, n } of [
    { name: 'aliases', family: aliases, n: 500 },
    { name: 'keys in one mapping', family: keys, n: 3000 },
    { name: 'anchors of one name', family: sameAnchor, n: 3000 },
  ]) {
    it(name, () => {
      assert.deepEqual(
        parsePipeline(family(n), FILE).diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      assertLinear(name, family, n, (text) => parsePipeline(text, FILE));
    });
  }

  it('a needs chain: every step reading the first step, in graph lookups linear in the steps', () => {
    const small = expressionWork(1000);
    const large = expressionWork(4000);
    console.log(`needs chain: ${small} lookups for 1000 steps, ${large} for 4000`);
    assert.ok(large / small < 6, `4x the steps took ${(large / small).toFixed(1)}x the lookups (${small} -> ${large})`);
  });

  it('a step reading a step that is not upstream, in a long chain, is still found out', () => {
    const text = `${chain(2000)}  - id: side\n    run: bundle\n    with: { entry: a }\n  - id: last\n    run: bundle\n    needs: [s1999]\n    with: { entry: "\${{ steps.side.output.path }}" }\n`;
    const diagnostics = parsePipeline(text, FILE).diagnostics;
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      ['expression/not-upstream'],
    );
    assert.match(diagnostics[0]!.message, /does not need "side"/);
  });

  it('10,000 levels of nesting: one clear error where the nesting passes the limit, quickly', () => {
    const text = deepFlow(10_000);
    const started = performance.now();
    const diagnostics = parsePipeline(text, FILE).diagnostics;
    const ms = performance.now() - started;
    assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics.slice(0, 3)));
    const [diagnostic] = diagnostics;
    assert.equal(diagnostic!.code, 'yaml/syntax');
    assert.match(diagnostic!.message, new RegExp(`Nested too deep: .* more than ${MAX_NESTING} levels`));
    assert.doesNotMatch(diagnostic!.message, /call stack/);
    // Root mapping, steps, the step, `with`: the flow sequences start at level 5.
    const firstBracket = text.indexOf('[');
    assert.equal(diagnostic!.range?.start, firstBracket + MAX_NESTING - 4);
    assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);
  });

  it('nesting just within the limit parses', () => {
    const diagnostics = parsePipeline(deepFlow(MAX_NESTING - 4), FILE).diagnostics;
    assert.ok(!diagnostics.some((d) => /Nested too deep/.test(d.message)), JSON.stringify(diagnostics));
  });
});
