/**
 * WAV decoding and Keras' audio_dataset_from_directory (keras/src/utils/audio_dataset_utils.py).
 * decodeWav reads files written by a real oracle, Python's standard `wave` module (8/16/24/32-bit
 * PCM, mono and stereo), compared sample by sample with the integers Python wrote, scaled as
 * tf.audio.decode_wav scales (v / 2^(bits−1); 8-bit (v − 128) / 128); float32/64 and
 * WAVE_FORMAT_EXTENSIBLE files are written by hand here, and malformed files give the
 * documented errors. audioDatasetFromDirectory runs on a temp folder of class subfolders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { unavailable } from './helpers/oracle.js';

const { decodeWav, audioDatasetFromDirectory } = nt.data;

const PYTHON = '/usr/bin/python3';
const pythonMissing = existsSync(PYTHON) ? null : `${PYTHON} (Python's standard wave module) is missing`;

/** Python writes one WAV per (width, channels) with the wave module and prints the integer samples it wrote. */
const WRITE_PY = `
import json, random, sys, wave
out = sys.argv[1]
rng = random.Random(1234)
files = []
for width, channels, rate in [(1, 1, 8000), (1, 2, 11025), (2, 1, 16000), (2, 2, 44100), (3, 1, 22050), (3, 2, 48000), (4, 1, 96000), (4, 2, 32000)]:
    bits = 8 * width
    lo, hi = (0, 255) if width == 1 else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    frames = 37
    values = [lo, hi, (lo + hi + 1) // 2] + [rng.randint(lo, hi) for _ in range(frames * channels - 3)]
    data = bytes(values) if width == 1 else b''.join(v.to_bytes(width, 'little', signed=True) for v in values)
    path = f'{out}/w{width}c{channels}.wav'
    with wave.open(path, 'wb') as w:
        w.setnchannels(channels); w.setsampwidth(width); w.setframerate(rate); w.writeframes(data)
    files.append({'path': path, 'width': width, 'channels': channels, 'rate': rate, 'values': values})
print(json.dumps(files))
`;

interface PyWav {
  readonly path: string;
  readonly width: number;
  readonly channels: number;
  readonly rate: number;
  readonly values: number[];
}

// ---- a hand-written WAV writer (for float files, extensible headers, extra chunks, the data sets) ----

function chunk(id: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length % 2));
  out.set([...id].map((c) => c.charCodeAt(0)), 0);
  new DataView(out.buffer).setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function riff(chunks: Uint8Array[], form = 'WAVE'): Uint8Array {
  const body = concat([new Uint8Array([...form].map((c) => c.charCodeAt(0))), ...chunks]);
  return concat([new Uint8Array([82, 73, 70, 70]), new Uint8Array(new Uint32Array([body.length]).buffer), body]);
}

/** A `fmt ` chunk; with `extensible`, WAVE_FORMAT_EXTENSIBLE wrapping `code` in a KSDATAFORMAT GUID. */
function fmtChunk(code: number, channels: number, rate: number, bits: number, extensible = false, guidTail = [0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]): Uint8Array {
  const b = new Uint8Array(extensible ? 40 : 16);
  const v = new DataView(b.buffer);
  v.setUint16(0, extensible ? 0xfffe : code, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, (rate * channels * bits) / 8, true);
  v.setUint16(12, (channels * bits) / 8, true);
  v.setUint16(14, bits, true);
  if (extensible) {
    v.setUint16(16, 22, true);
    v.setUint16(18, bits, true);
    v.setUint32(20, 0, true);
    v.setUint16(24, code, true);
    b.set(guidTail, 26);
  }
  return chunk('fmt ', b);
}

function floatData(values: readonly number[], bits: 32 | 64): Uint8Array {
  const arr = bits === 32 ? new Float32Array(values) : new Float64Array(values);
  return chunk('data', new Uint8Array(arr.buffer));
}

/** A 16-bit PCM WAV of int16 values (interleaved). */
function pcm16(values: readonly number[], channels = 1, rate = 16000): Uint8Array {
  return riff([fmtChunk(1, channels, rate, 16), chunk('data', new Uint8Array(new Int16Array(values).buffer))]);
}

test('decodeWav reads PCM 8/16/24/32-bit, mono and stereo, written by Python\'s wave module, sample by sample', { skip: unavailable(pythonMissing) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-wav-'));
  try {
    const r = spawnSync(PYTHON, ['-c', WRITE_PY, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const files = JSON.parse(r.stdout) as PyWav[];
    assert.equal(files.length, 8);
    for (const f of files) {
      const wav = decodeWav(readFileSync(f.path));
      const what = `${f.width * 8}-bit, ${f.channels} channel(s)`;
      assert.equal(wav.sampleRate, f.rate, what);
      assert.equal(wav.channels, f.channels, what);
      assert.equal(wav.frames, 37, what);
      assert.equal(wav.bitsPerSample, f.width * 8, what);
      assert.ok(wav.samples instanceof Float32Array);
      const want = f.values.map((v) => Math.fround(f.width === 1 ? (v - 128) / 128 : v / 2 ** (f.width * 8 - 1)));
      assert.deepEqual(Array.from(wav.samples), want, what);
      // The extremes: the minimum is exactly -1, the maximum below 1 (32-bit's rounds to 1 in float32).
      assert.equal(wav.samples[0], -1, what);
      if (f.width < 4) assert.ok(wav.samples[1] < 1, what);
      assert.equal(wav.samples[2], 0, what);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('decodeWav: IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE, unknown chunks skipped (odd sizes padded)', () => {
  const values = [0.5, -0.25, 1.5, -1, 0.125, 3e-8];
  const list = chunk('LIST', new Uint8Array([1, 2, 3, 4, 5])); // odd size: a pad byte follows
  const f32 = decodeWav(riff([fmtChunk(3, 2, 22050, 32), list, floatData(values, 32), chunk('junk', new Uint8Array(3))]));
  assert.deepEqual([f32.sampleRate, f32.channels, f32.frames], [22050, 2, 3]);
  assert.deepEqual(Array.from(f32.samples), values.map(Math.fround)); // kept as they are, even outside [-1, 1]
  const f64 = decodeWav(riff([list, fmtChunk(3, 1, 8000, 64), floatData(values, 64)]));
  assert.deepEqual(Array.from(f64.samples), values.map(Math.fround));
  // Extensible float32 and extensible 24-bit PCM (little-endian triples).
  const ext = decodeWav(riff([fmtChunk(3, 3, 16000, 32, true), list, floatData(values, 32)]));
  assert.deepEqual([ext.channels, ext.frames], [3, 2]);
  assert.deepEqual(Array.from(ext.samples), values.map(Math.fround));
  const pcm24 = decodeWav(riff([fmtChunk(1, 1, 16000, 24, true), chunk('data', new Uint8Array([0x00, 0x00, 0x80, 0xff, 0xff, 0x7f, 0x01, 0x00, 0x00, 0xff, 0xff, 0xff]))]));
  assert.deepEqual(Array.from(pcm24.samples), [-1, Math.fround(8388607 / 8388608), Math.fround(1 / 8388608), Math.fround(-1 / 8388608)]);
  // A subarray of a larger buffer (byteOffset ≠ 0) decodes the same.
  const bytes = riff([fmtChunk(1, 1, 8000, 16), chunk('data', new Uint8Array(new Int16Array([16384, -8192]).buffer))]);
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  assert.deepEqual(Array.from(decodeWav(shifted.subarray(3)).samples), [0.5, -0.25]);
});

test('decodeWav: malformed files give errors naming what is wrong', () => {
  const good = pcm16([1, 2, 3, 4]);
  assert.throws(() => decodeWav(new TextEncoder().encode('ID3\u0003 this is an mp3')), /decodeWav: not a RIFF file/);
  assert.throws(() => decodeWav(new Uint8Array(4)), /not a RIFF file/);
  assert.throws(() => decodeWav(riff([fmtChunk(1, 1, 8000, 16)], 'AVI ')), /a RIFF file but not WAVE \(form type 'AVI '\)/);
  assert.throws(() => decodeWav(riff([fmtChunk(2, 1, 8000, 4), chunk('data', new Uint8Array(4))])), /unsupported format code 2 \(0x2\)/);
  assert.throws(() => decodeWav(riff([fmtChunk(0x55, 1, 8000, 16), chunk('data', new Uint8Array(4))])), /unsupported format code 85 \(0x55\)/);
  assert.throws(() => decodeWav(riff([fmtChunk(1, 1, 8000, 12), chunk('data', new Uint8Array(4))])), /unsupported PCM bits per sample 12/);
  assert.throws(() => decodeWav(riff([fmtChunk(3, 1, 8000, 16), chunk('data', new Uint8Array(4))])), /unsupported IEEE float bits per sample 16/);
  assert.throws(() => decodeWav(riff([fmtChunk(1, 1, 8000, 16, true, new Array<number>(14).fill(7)), chunk('data', new Uint8Array(4))])), /unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID/);
  assert.throws(() => decodeWav(good.subarray(0, good.length - 3)), /truncated data chunk \(8 bytes declared, 5 present\)/);
  assert.throws(() => decodeWav(riff([fmtChunk(1, 1, 8000, 16)])), /no data chunk found/);
  assert.throws(() => decodeWav(riff([chunk('data', new Uint8Array(4))])), /the 'data' chunk comes before any 'fmt ' chunk/);
  assert.throws(() => decodeWav(riff([fmtChunk(1, 2, 8000, 16), chunk('data', new Uint8Array(6))])), /6 bytes are not a whole number of 4-byte frames/);
});

// ---- audioDatasetFromDirectory --------------------------------------------------------------

/** Clip i of class k (of 'no', 'up', 'yes') has 3 + 2k + i frames, every sample (100k + 10i + 1) / 32768. */
const CLASSES = ['yes', 'no', 'up']; // written in this order; labels follow the sorted names
const id = (k: number, i: number): number => 100 * k + 10 * i + 1;
const len = (k: number, i: number): number => 3 + 2 * k + i;

function makeFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-audiods-'));
  for (const name of CLASSES) {
    const k = [...CLASSES].sort().indexOf(name);
    mkdirSync(join(dir, name));
    for (let i = 0; i < 2; i++) writeFileSync(join(dir, name, `clip${i}.wav`), pcm16(new Array<number>(len(k, i)).fill(id(k, i))));
  }
  writeFileSync(join(dir, 'no', 'readme.txt'), 'not audio');
  return dir;
}

/** The clips of a batch: [id, length before the zero padding] per row, with the rows' padding checked to be zeros. */
function clips(x: Tensor): [number, number][] {
  const [b, t, c] = x.shape;
  assert.equal(c, 1);
  const v = x.dataSync();
  return Array.from({ length: b }, (_, r) => {
    const row = Array.from(v.slice(r * t, (r + 1) * t), (s) => Math.round(s * 32768));
    const n = row.indexOf(0) < 0 ? t : row.indexOf(0);
    assert.ok(row.slice(0, n).every((s) => s === row[0]) && row.slice(n).every((s) => s === 0), `row ${r}: ${row.join(', ')}`);
    return [row[0], n];
  });
}

test('audioDatasetFromDirectory: labels from sorted class folders, each batch padded to its longest clip, label modes', async () => {
  const dir = makeFolder();
  try {
    const ds = audioDatasetFromDirectory(dir, { batchSize: 4, shuffle: false });
    assert.deepEqual(ds.classNames, ['no', 'up', 'yes']);
    const batches = (await ds.toArray()) as unknown as [Tensor, Tensor][];
    assert.deepEqual(batches.map(([x, y]) => [x.shape, y.shape, y.dtype]), [[[4, 6, 1], [4], 'int32'], [[2, 8, 1], [2], 'int32']]);
    assert.deepEqual(batches.flatMap(([, y]) => Array.from(y.dataSync())), [0, 0, 1, 1, 2, 2]);
    assert.deepEqual(batches.flatMap(([x]) => clips(x)), [[id(0, 0), 3], [id(0, 1), 4], [id(1, 0), 5], [id(1, 1), 6], [id(2, 0), 7], [id(2, 1), 8]]);
    // categorical: one-hot float32; binary: two classes, [B, 1] float 0/1.
    const [, cat] = (await audioDatasetFromDirectory(dir, { labelMode: 'categorical', batchSize: 6, shuffle: false }).toArray())[0] as unknown as Tensor[];
    assert.deepEqual([cat.shape, cat.dtype], [[6, 3], 'float32']);
    assert.deepEqual(Array.from(cat.dataSync()), [1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1]);
    assert.throws(() => audioDatasetFromDirectory(dir, { labelMode: 'binary' }), /audioDatasetFromDirectory: labelMode 'binary' needs exactly 2 classes; found 3/);
    const bin = audioDatasetFromDirectory(dir, { labelMode: 'binary', classNames: ['yes', 'no'], batchSize: 8, shuffle: false });
    assert.deepEqual(bin.classNames, ['yes', 'no']);
    const [bx, by] = (await bin.toArray())[0] as unknown as Tensor[];
    assert.deepEqual([by.shape, by.dtype, Array.from(by.dataSync())], [[4, 1], 'float32', [0, 0, 1, 1]]);
    assert.deepEqual(clips(bx).map(([c]) => c), [id(2, 0), id(2, 1), id(0, 0), id(0, 1)]);
    // labelMode null (or labels null): audio alone, every .wav under the folder; unbatched elements are [samples, channels].
    const alone = (await audioDatasetFromDirectory(dir, { labelMode: null, batchSize: null, shuffle: false }).toArray()) as unknown as Tensor[];
    assert.deepEqual(alone.map((x) => x.shape), [[3, 1], [4, 1], [5, 1], [6, 1], [7, 1], [8, 1]]);
    // Shuffled with a seed: the same clips and labels, in another order, reproducibly.
    const order = async (): Promise<number[]> => ((await audioDatasetFromDirectory(dir, { batchSize: null, seed: 5 }).toArray()) as unknown as [Tensor, Tensor][]).map(([x, y]) => Math.round(x.dataSync()[0] * 32768) * 10 + y.dataSync()[0]);
    const o1 = await order();
    assert.deepEqual([...o1].sort((a, b) => a - b), [10, 110, 1011, 1111, 2012, 2112]);
    assert.notDeepEqual(o1, [...o1].sort((a, b) => a - b));
    assert.deepEqual(await order(), o1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('audioDatasetFromDirectory: outputSequenceLength crops and pads; samplingRate resamples a file at another rate; argument errors', async () => {
  const dir = makeFolder();
  try {
    const fixed = (await audioDatasetFromDirectory(dir, { outputSequenceLength: 5, batchSize: 6, shuffle: false, samplingRate: 16000 }).toArray())[0] as unknown as Tensor[];
    assert.deepEqual(fixed[0].shape, [6, 5, 1]);
    assert.deepEqual(clips(fixed[0]), [[id(0, 0), 3], [id(0, 1), 4], [id(1, 0), 5], [id(1, 1), 5], [id(2, 0), 5], [id(2, 1), 5]]);
    // A stereo clip keeps its channels interleaved as [samples, 2].
    writeFileSync(join(dir, 'up', 'stereo.wav'), pcm16([1, 2, 3, 4, 5, 6], 2, 8000));
    const st = (await audioDatasetFromDirectory(dir, { classNames: ['up'], batchSize: null, shuffle: false }).toArray()) as unknown as Tensor[][];
    assert.deepEqual(st[2][0].shape, [3, 2]);
    assert.deepEqual(Array.from(st[2][0].dataSync(), (s) => s * 32768), [1, 2, 3, 4, 5, 6]);
    // samplingRate: a file at another rate is resampled (8000 → 16000 Hz: twice the frames).
    const rated = (await audioDatasetFromDirectory(dir, { samplingRate: 16000, classNames: ['up'], batchSize: null, shuffle: false }).toArray()) as unknown as Tensor[][];
    assert.deepEqual(rated[2][0].shape, [6, 2]);
    assert.deepEqual(Array.from(rated[2][0].dataSync()), Array.from(nt.data.resampleAudio(Float32Array.from([1, 2, 3, 4, 5, 6], (v) => v / 32768), 2, 8000, 16000)));
    // A broken .wav is named too.
    writeFileSync(join(dir, 'yes', 'broken.wav'), 'RIFF....not really');
    await assert.rejects(audioDatasetFromDirectory(dir, { classNames: ['yes'] }).toArray(), /audioDatasetFromDirectory: yes\/broken.wav: decodeWav: a RIFF file but not WAVE/);
    assert.throws(() => audioDatasetFromDirectory(dir, { ragged: true }), /ragged: true is not supported \(Neurite has no ragged tensors\)/);
    assert.throws(() => audioDatasetFromDirectory(dir, { ragged: true, outputSequenceLength: 4 }), /cannot set both ragged and outputSequenceLength/);
    assert.throws(() => audioDatasetFromDirectory(dir, { samplingRate: 16000.5 }), /samplingRate must be a positive integer; got 16000.5/);
    assert.throws(() => audioDatasetFromDirectory(dir, { outputSequenceLength: 0 }), /outputSequenceLength must be a positive integer; got 0/);
    assert.throws(() => audioDatasetFromDirectory(dir, { batchSize: 0 }), /batchSize must be a positive integer or null; got 0/);
    assert.throws(() => audioDatasetFromDirectory(dir, { classNames: ['no', 'maybe'] }), /classNames \["maybe"\] are not folders of/);
    assert.throws(() => audioDatasetFromDirectory(dir, { labels: null, classNames: ['no'] }), /classNames can only be given with labels 'inferred'/);
    assert.throws(() => audioDatasetFromDirectory(dir, { labelMode: null, classNames: ['no'] }), /classNames can only be given with labels 'inferred' and a labelMode/);
    assert.throws(() => audioDatasetFromDirectory(dir, { validationSplit: 0.2, subset: 'training' }), /with validationSplit and shuffle, give a seed/);
    mkdirSync(join(dir, 'empty'));
    assert.throws(() => audioDatasetFromDirectory(join(dir, 'empty'), { labels: null }), /audioDatasetFromDirectory: no files found in/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('audioDatasetFromDirectory: validationSplit + subset with a seed gives disjoint subsets covering every file; subset both', async () => {
  const dir = makeFolder();
  try {
    const ids = async (ds: nt.data.Dataset<nt.data.Element>): Promise<[number, number][]> => ((await ds.toArray()) as unknown as [Tensor, Tensor][]).flatMap(([x, y]) => clips(x).map(([c], r): [number, number] => [c, y.dataSync()[r]]));
    const args = { validationSplit: 0.34, seed: 11, batchSize: 2 } as const;
    const train = await ids(audioDatasetFromDirectory(dir, { ...args, subset: 'training' }));
    const val = await ids(audioDatasetFromDirectory(dir, { ...args, subset: 'validation' }));
    assert.equal(train.length, 4); // floor(0.34 · 6) = 2 held out
    assert.equal(val.length, 2);
    const all = [...train, ...val].map(([c]) => c).sort((a, b) => a - b);
    assert.deepEqual(all, [id(0, 0), id(0, 1), id(1, 0), id(1, 1), id(2, 0), id(2, 1)]);
    for (const [c, label] of [...train, ...val]) assert.equal(label, Math.floor(c / 100)); // each clip keeps its label
    const [t2, v2] = audioDatasetFromDirectory(dir, { ...args, subset: 'both' });
    assert.deepEqual(t2.classNames, ['no', 'up', 'yes']);
    assert.deepEqual((await ids(t2)).map(([c]) => c).sort(), train.map(([c]) => c).sort());
    assert.deepEqual((await ids(v2)).map(([c]) => c).sort(), val.map(([c]) => c).sort());
    assert.throws(() => audioDatasetFromDirectory(dir, { validationSplit: 0.1, seed: 1, subset: 'validation' }), /no validation audio files \(.wav\) found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const RESAMPLE_PY = `
import json, sys
import numpy as np, scipy.signal as ss
out = {}
for (n, ch, rin, rout) in [(50, 1, 8000, 16000), (97, 2, 44100, 16000), (64, 1, 16000, 8000), (33, 1, 3, 7), (400, 1, 22050, 16000)]:
    x = np.sin(np.arange(n * ch, dtype=np.float64) * 0.37).astype(np.float32).reshape(n, ch)
    out[f"{n},{ch},{rin},{rout}"] = ss.resample_poly(x.astype(np.float64), rout, rin, axis=0).reshape(-1).tolist()
print(json.dumps(out))
`;

test('resampleAudio equals scipy.signal.resample_poly (Kaiser β = 5 polyphase filter) up, down and by odd ratios, mono and stereo', { skip: unavailable(pythonMissing) }, () => {
  const r = spawnSync(PYTHON, ['-c', RESAMPLE_PY], { encoding: 'utf8' });
  assert.equal(r.status, 0, `scipy oracle failed: ${r.stderr}`);
  const want = JSON.parse(r.stdout) as Record<string, number[]>;
  for (const [key, values] of Object.entries(want)) {
    const [n, ch, rateIn, rateOut] = key.split(',').map(Number);
    const x = Float32Array.from({ length: n * ch }, (_, i) => Math.sin(i * 0.37));
    const y = nt.data.resampleAudio(x, ch, rateIn, rateOut);
    assert.equal(y.length, values.length, `${key}: length`);
    for (let i = 0; i < values.length; i++) assert.ok(Math.abs(y[i] - values[i]) < 1e-6, `${key}[${i}]: ${y[i]} vs scipy ${values[i]}`);
  }
  assert.deepEqual(Array.from(nt.data.resampleAudio(Float32Array.of(1, 2, 3), 1, 16000, 16000)), [1, 2, 3]);
  assert.throws(() => nt.data.resampleAudio(Float32Array.of(1, 2, 3), 2, 8000, 16000), /not whole frames of 2 channels/);
  assert.throws(() => nt.data.resampleAudio(Float32Array.of(1), 1, 0, 16000), /rateIn must be a positive integer/);
});
