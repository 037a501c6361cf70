/**
 * The string hashes behind Hashing and the lookup layers' OOV buckets, against real
 * references: FarmHash Fingerprint64 against TensorFlow.js' stringToHashBucketFast (the same
 * function as tf.strings.to_hash_bucket_fast) on strings of every length class (0–16, 17–32,
 * 33–64 bytes and the 64-byte loop), and SipHash-2-4 against the reference test vector of its
 * paper (key 00..0f).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fingerprint64, hashBucket, sipHash24 } from '../src/utils/hash.js';

test('Fingerprint64 buckets equal TensorFlow.js stringToHashBucketFast for 0–300-byte strings (ASCII and UTF-8)', () => {
  const strings: string[] = [];
  for (let n = 0; n <= 300; n += n < 70 ? 1 : 13) strings.push(Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7 + n) % 26))).join(''));
  strings.push('é', 'naïve café', '日本語のテキスト'.repeat(5), '🙂'.repeat(20));
  const buckets = 2147483647;
  const want = tf.tidy(() => tf.string.stringToHashBucketFast(tf.tensor(strings), buckets).dataSync());
  strings.forEach((s, i) => assert.equal(hashBucket(s, buckets), want[i], `bucket of a ${s.length}-char string`));
  assert.equal(fingerprint64(new Uint8Array(0)), 0x9ae16a3b2f90404fn);
});

test('SipHash-2-4 gives the reference vector for key 00..0f and the empty message', () => {
  let k0 = 0n;
  let k1 = 0n;
  for (let i = 7; i >= 0; i--) {
    k0 = (k0 << 8n) | BigInt(i);
    k1 = (k1 << 8n) | BigInt(i + 8);
  }
  assert.equal(sipHash24(new Uint8Array(0), k0, k1), 0x726fdb47dd0e0e31n);
  // The second vector of the paper's table: message 00.
  assert.equal(sipHash24(Uint8Array.of(0), k0, k1), 0x74f839c593dc67fdn);
});
