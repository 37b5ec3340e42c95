import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ExpressionError,
  hasExpression,
  parseTemplate,
  resolveValue,
  type ExpressionRef,
  type ExpressionScope,
} from '../../../runtime/src/pipeline/expressions';

function onlyExpr(text: string): ExpressionRef {
  const { parts, errors } = parseTemplate(text);
  assert.deepEqual(errors, []);
  const exprs = parts.flatMap((part) => ('expr' in part ? [part.expr] : []));
  assert.equal(exprs.length, 1);
  return exprs[0]!;
}

test('parses steps, state and env roots with segments', () => {
  assert.deepEqual(onlyExpr('${{ steps.build.output.files[0]["a b"] }}'), {
    root: 'steps',
    stepId: 'build',
    path: ['files', 0, 'a b'],
    text: 'steps.build.output.files[0]["a b"]',
    start: 0,
    end: 41,
  });
  const state = onlyExpr("${{state['my key'].list[ 2 ]}}");
  assert.equal(state.root, 'state');
  assert.equal(state.key, 'my key');
  assert.deepEqual(state.path, ['list', 2]);
  const env = onlyExpr('${{   env.REGION   }}');
  assert.deepEqual([env.root, env.key, env.path, env.text], ['env', 'REGION', [], 'env.REGION']);
  const plain = onlyExpr('${{ steps.my-step_2.output }}');
  assert.equal(plain.stepId, 'my-step_2');
  assert.deepEqual(plain.path, []);
});

test('offsets cover the whole ${{ }} and literals are kept in order', () => {
  const text = 'file: ${{ steps.a.output.path }} in ${{ env.R }}!';
  const { parts, errors } = parseTemplate(text);
  assert.deepEqual(errors, []);
  assert.equal(parts.length, 5);
  assert.deepEqual(parts[0], { literal: 'file: ' });
  const first = parts[1] as { expr: ExpressionRef };
  assert.equal(text.slice(first.expr.start, first.expr.end), '${{ steps.a.output.path }}');
  const second = parts[3] as { expr: ExpressionRef };
  assert.equal(text.slice(second.expr.start, second.expr.end), '${{ env.R }}');
  assert.deepEqual(parts[4], { literal: '!' });
});

test('a closing brace inside a quoted key does not end the expression', () => {
  const ref = onlyExpr("${{ state.x['a}}b'] }}");
  assert.deepEqual(ref.path, ['a}}b']);
});

test('reports syntax errors with what is allowed', () => {
  const cases: [string, RegExp][] = [
    ['${{ steps.a.output', /Unterminated "\$\{\{"/],
    ['${{ }}', /Empty expression: use steps\.<id>\.output, state\.<key> or env\.<NAME>/],
    ['${{ foo.bar }}', /Unknown root "foo"/],
    ['${{ steps.build }}', /"steps\.build" must be followed by "\.output"/],
    ['${{ steps.build.outputs }}', /"steps\.build" must be followed by "\.output"/],
    ['${{ steps }}', /"steps" must be followed by "\.<step id>\.output"/],
    ['${{ state }}', /"state" must be followed by a key/],
    ['${{ env }}', /"env" must be followed by a variable name/],
    ['${{ env.A.b }}', /nothing may follow it/],
    ['${{ steps.a.output.x[y] }}', /Bad path segment at "\[y\]"/],
    ['${{ steps.a.output. }}', /Bad path segment/],
    ["${{ steps.a.output['x }}", /Bad path segment/],
    ['${{ steps.a.output x }}', /Bad path segment/],
    ['${{ 1 + 2 }}', /Unknown root "1"/],
  ];
  for (const [text, message] of cases) {
    const { errors } = parseTemplate(text);
    assert.equal(errors.length, 1, text);
    assert.match(errors[0]!.message, message, text);
  }
});

test('error offsets span the faulty expression; unterminated runs to the end', () => {
  const text = 'ok ${{ steps.a.output }} bad ${{ nope }} tail';
  const { errors, parts } = parseTemplate(text);
  assert.equal(errors.length, 1);
  assert.equal(text.slice(errors[0]!.start, errors[0]!.end), '${{ nope }}');
  // The malformed expression stays as literal text.
  assert.deepEqual(parts[parts.length - 1], { literal: ' bad ${{ nope }} tail' });
  const open = parseTemplate('a ${{ env.X');
  assert.deepEqual([open.errors[0]!.start, open.errors[0]!.end], [2, 11]);
});

test('hasExpression', () => {
  assert.equal(hasExpression('plain $HOME ${not}'), false);
  assert.equal(hasExpression('x ${{ env.A }}'), true);
  assert.equal(hasExpression('${{'), true);
});

const scope: ExpressionScope = {
  steps: {
    build: { output: { path: 'dist/app.js', size: 42, files: ['a', 'b'], meta: { ok: true } } },
    pending: undefined,
    nothing: {},
  },
  state: (key) => ({ token: 'abc', count: 3 })[key],
  env: { REGION: 'eu-west-1' },
};

test('a whole-value expression yields the raw value', () => {
  assert.deepEqual(resolveValue('${{ steps.build.output.meta }}', scope), { ok: true });
  assert.equal(resolveValue('  ${{ steps.build.output.size }}  ', scope), 42);
  assert.equal(resolveValue('${{ state.count }}', scope), 3);
  assert.equal(resolveValue('${{ steps.build.output.files[1] }}', scope), 'b');
});

test('interpolation stringifies non-strings and blanks undefined', () => {
  assert.equal(resolveValue('s3://${{ env.REGION }}/${{ steps.build.output.path }}', scope), 's3://eu-west-1/dist/app.js');
  assert.equal(resolveValue('n=${{ steps.build.output.size }} m=${{ steps.build.output.meta }}', scope), 'n=42 m={"ok":true}');
  assert.equal(resolveValue('[${{ steps.build.output.missing }}]', scope), '[]');
  assert.equal(resolveValue('a ${{ env.UNSET }} b', scope), 'a  b');
});

test('missing steps, outputs and paths resolve to undefined', () => {
  assert.equal(resolveValue('${{ steps.pending.output.x }}', scope), undefined);
  assert.equal(resolveValue('${{ steps.nothing.output }}', scope), undefined);
  assert.equal(resolveValue('${{ steps.ghost.output }}', scope), undefined);
  assert.equal(resolveValue('${{ steps.build.output.path.deeper }}', scope), undefined);
  assert.equal(resolveValue('${{ steps.build.output.constructor }}', scope), undefined);
  assert.equal(resolveValue('${{ state.nope }}', scope), undefined);
});

test('resolveValue walks objects and arrays and leaves other values alone', () => {
  const input = { a: ['${{ env.REGION }}', 1, null, true], b: { c: '${{ state.token }}' }, d: 'plain' };
  assert.deepEqual(resolveValue(input, scope), { a: ['eu-west-1', 1, null, true], b: { c: 'abc' }, d: 'plain' });
  assert.deepEqual(input.b, { c: '${{ state.token }}' }, 'input not mutated');
});

test('resolveValue throws ExpressionError on bad syntax, naming the expression', () => {
  assert.throws(
    () => resolveValue({ x: ['ok ${{ foo.bar }}'] }, scope),
    (error: unknown) => error instanceof ExpressionError && error.expression === '${{ foo.bar }}' && /Unknown root/.test(error.message),
  );
});
