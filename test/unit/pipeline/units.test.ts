import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseMemory } from '../../../runtime/src/pipeline/units';

test('parseDuration reads ms numbers and suffixed strings', () => {
  assert.equal(parseDuration(250), 250);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration('1.5m'), 90_000);
  assert.equal(parseDuration(' 2 s '), 2000);
  assert.equal(parseDuration('10S'), 10_000);
  assert.equal(parseDuration('750'), 750);
});

test('parseDuration gives undefined for what is not a duration', () => {
  for (const value of ['5 secs', '', 'fast', '-1s', '1h', null, undefined, {}, [], -5, Number.NaN, Infinity, true]) {
    assert.equal(parseDuration(value), undefined, String(value));
  }
});

test('parseMemory reads MB numbers and MB/GB/M/G strings', () => {
  assert.equal(parseMemory(128), 128);
  assert.equal(parseMemory('128MB'), 128);
  assert.equal(parseMemory('512M'), 512);
  assert.equal(parseMemory('1GB'), 1024);
  assert.equal(parseMemory('1G'), 1024);
  assert.equal(parseMemory('0.5gb'), 512);
  assert.equal(parseMemory(' 64 mb '), 64);
});

test('parseMemory gives undefined for what is not a size', () => {
  for (const value of ['lots', '1TB', '12 KB', '', null, undefined, -1, 'MB']) {
    assert.equal(parseMemory(value), undefined, String(value));
  }
});
