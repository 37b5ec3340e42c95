import { test } from 'node:test';
import assert from 'node:assert/strict';
import { permissionFlag } from '../../../runtime/src/host/hostClient';

test('the permission flag follows the Node version that runs the plugin host', () => {
  assert.equal(permissionFlag('20.20.2'), '--experimental-permission');
  assert.equal(permissionFlag('22.12.0'), '--experimental-permission');
  assert.equal(permissionFlag('22.13.0'), '--permission');
  assert.equal(permissionFlag('23.5.0'), '--permission');
  assert.equal(permissionFlag('24.0.0'), '--permission');
});
