import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestMatch, didYouMean, levenshtein } from '../../../runtime/src/pipeline/suggestions';

test('levenshtein counts edits', () => {
  assert.equal(levenshtein('', ''), 0);
  assert.equal(levenshtein('needs', 'needs'), 0);
  assert.equal(levenshtein('nedds', 'needs'), 1);
  assert.equal(levenshtein('kitten', 'sitting'), 3);
  assert.equal(levenshtein('', 'abc'), 3);
  assert.equal(levenshtein('wiht', 'with'), 1);
});

test('closestMatch suggests near names only', () => {
  const keys = ['id', 'name', 'run', 'with', 'needs', 'timeout', 'continue-on-error'];
  assert.equal(closestMatch('nedds', keys), 'needs');
  assert.equal(closestMatch('timout', keys), 'timeout');
  assert.equal(closestMatch('continue-on-eror', keys), 'continue-on-error');
  assert.equal(closestMatch('Run', keys), 'run');
  assert.equal(closestMatch('banana', keys), undefined);
  assert.equal(closestMatch('x', keys), undefined);
  assert.equal(didYouMean('wiht', keys), ' Did you mean "with"?');
  assert.equal(didYouMean('zzzz', keys), '');
});
