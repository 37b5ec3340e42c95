import { generateKeyPairSync } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttestationFormatError, pae, parseEnvelope, signEnvelope, verifyEnvelopeSignature } from '../../../runtime/src/trust';

describe('pae', () => {
  it('matches the DSSE spec example', () => {
    const out = pae('http://example.com/HelloWorld', Buffer.from('hello world'));
    assert.equal(out.toString('utf8'), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('counts bytes, not characters', () => {
    assert.equal(pae('t/é', Buffer.from('€')).toString('utf8'), 'DSSEv1 4 t/é 3 €');
  });

  it('encodes an empty payload', () => {
    assert.equal(pae('x', Buffer.alloc(0)).toString('utf8'), 'DSSEv1 1 x 0 ');
  });
});

describe('envelopes', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');

  it('signs and verifies', () => {
    const env = signEnvelope('application/test', Buffer.from('{"a":1}'), privateKey, 'k1');
    assert.equal(Buffer.from(env.payload, 'base64').toString(), '{"a":1}');
    const parsed = parseEnvelope(JSON.parse(JSON.stringify(env)));
    const sig = parsed.signatures[0];
    assert.ok(sig);
    assert.equal(sig.keyid, 'k1');
    assert.ok(verifyEnvelopeSignature(parsed, sig, publicKey));
    assert.ok(!verifyEnvelopeSignature({ ...parsed, payloadType: 'application/other' }, sig, publicKey));
  });

  it('rejects malformed envelopes with a precise reason', () => {
    const cases: [unknown, RegExp][] = [
      [[], /not a JSON object/],
      [{ payload: '', signatures: [] }, /payloadType/],
      [{ payloadType: 't', signatures: [{ sig: 'AA==' }] }, /"payload" string/],
      [{ payloadType: 't', payload: 'not base64!', signatures: [{ sig: 'AA==' }] }, /payload is not valid Base64/],
      [{ payloadType: 't', payload: '', signatures: {} }, /"signatures" list/],
      [{ payloadType: 't', payload: '', signatures: [] }, /is empty/],
      [{ payloadType: 't', payload: '', signatures: [{ keyid: 3, sig: 'AA==' }] }, /signatures\[0\]\.keyid/],
      [{ payloadType: 't', payload: '', signatures: [{ keyid: 'k' }] }, /signatures\[0\] has no "sig"/],
      [{ payloadType: 't', payload: '', signatures: [{ sig: 'A' }] }, /signatures\[0\]\.sig is not valid Base64/],
    ];
    for (const [json, reason] of cases) {
      assert.throws(
        () => parseEnvelope(json),
        (e: unknown) => e instanceof AttestationFormatError && reason.test(e.reason),
        JSON.stringify(json),
      );
    }
  });

  it('accepts a signature without keyid as keyid ""', () => {
    const env = parseEnvelope({ payloadType: 't', payload: 'aGk', signatures: [{ sig: 'AA' }] });
    assert.deepEqual(env.signatures, [{ keyid: '', sig: 'AA' }]);
  });
});
