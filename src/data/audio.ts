/**
 * WAV decoding (RIFF/WAVE), the decoder behind audioDatasetFromDirectory. No file system:
 * it works on bytes, in Node and in the browser.
 *
 * Supported: PCM (format 1) 8-bit unsigned, 16/24/32-bit signed; IEEE float (format 3)
 * 32 and 64 bits; WAVE_FORMAT_EXTENSIBLE (0xFFFE) whose sub-format is one of those. Samples
 * are scaled as tf.audio.decode_wav scales 16-bit PCM, generalised to every width:
 * integer PCM v → v / 2^(bits−1) (8-bit: (v − 128) / 128), in [-1, 1); floats are kept as
 * they are. Chunks other than `fmt ` and `data` (LIST, fact, cue …) are skipped.
 */

export interface DecodedWav {
  /** Frames per second, from the `fmt ` chunk. */
  readonly sampleRate: number;
  readonly channels: number;
  /** Frames (samples per channel): samples.length / channels. */
  readonly frames: number;
  /** The samples interleaved frame by frame, i.e. row-major [frames, channels], float32. */
  readonly samples: Float32Array;
  /** Bits per sample as stored in the file (the container width). */
  readonly bitsPerSample: number;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
/** The KSDATAFORMAT_SUBTYPE GUIDs after their first two bytes (the format code): -0000-0010-8000-00AA00389B71. */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function fourcc(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}

interface WavFormat {
  readonly code: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly blockAlign: number;
  readonly bits: number;
}

function parseFmt(view: DataView, at: number, size: number): WavFormat {
  const where = 'decodeWav';
  if (size < 16) throw new RangeError(`${where}: the 'fmt ' chunk has ${size} bytes; at least 16 are needed`);
  let code = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bits = view.getUint16(at + 14, true);
  if (code === FORMAT_EXTENSIBLE) {
    if (size < 40) throw new RangeError(`${where}: WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk has ${size} bytes; 40 are needed`);
    code = view.getUint16(at + 24, true);
    const tail = Array.from({ length: 14 }, (_, i) => view.getUint8(at + 26 + i));
    if (tail.some((b, i) => b !== GUID_TAIL[i])) throw new RangeError(`${where}: unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID (not a KSDATAFORMAT_SUBTYPE PCM or IEEE_FLOAT GUID)`);
  }
  if (code !== FORMAT_PCM && code !== FORMAT_FLOAT) throw new RangeError(`${where}: unsupported format code ${code} (0x${code.toString(16)}); supported: 1 (PCM), 3 (IEEE float), 0xFFFE (extensible with PCM or float)`);
  if (code === FORMAT_PCM && ![8, 16, 24, 32].includes(bits)) throw new RangeError(`${where}: unsupported PCM bits per sample ${bits}; supported: 8, 16, 24, 32`);
  if (code === FORMAT_FLOAT && bits !== 32 && bits !== 64) throw new RangeError(`${where}: unsupported IEEE float bits per sample ${bits}; supported: 32, 64`);
  if (channels < 1) throw new RangeError(`${where}: the 'fmt ' chunk says ${channels} channels`);
  if (sampleRate < 1) throw new RangeError(`${where}: the 'fmt ' chunk says a sample rate of ${sampleRate}`);
  if (blockAlign !== channels * (bits / 8)) throw new RangeError(`${where}: block align ${blockAlign} does not match ${channels} channels × ${bits / 8} bytes`);
  return { code, channels, sampleRate, blockAlign, bits };
}

function readSamples(view: DataView, at: number, count: number, fmt: WavFormat): Float32Array {
  const out = new Float32Array(count);
  const { code, bits } = fmt;
  if (code === FORMAT_FLOAT) {
    for (let i = 0; i < count; i++) out[i] = bits === 32 ? view.getFloat32(at + 4 * i, true) : view.getFloat64(at + 8 * i, true);
  } else if (bits === 8) {
    for (let i = 0; i < count; i++) out[i] = (view.getUint8(at + i) - 128) / 128;
  } else if (bits === 16) {
    for (let i = 0; i < count; i++) out[i] = view.getInt16(at + 2 * i, true) / 32768;
  } else if (bits === 24) {
    for (let i = 0; i < count; i++) {
      const p = at + 3 * i;
      const u = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getUint8(p + 2) << 16);
      out[i] = ((u << 8) >> 8) / 8388608;
    }
  } else {
    for (let i = 0; i < count; i++) out[i] = view.getInt32(at + 4 * i, true) / 2147483648;
  }
  return out;
}

/**
 * Decodes a RIFF/WAVE file. Errors name what is wrong: not RIFF/WAVE, an unsupported format
 * code or width, a missing `fmt ` or `data` chunk, a data chunk longer than the file.
 */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  const where = 'decodeWav';
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${where}: bytes must be a Uint8Array`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || fourcc(view, 0) !== 'RIFF') throw new RangeError(`${where}: not a RIFF file (the first 4 bytes are not 'RIFF')`);
  if (fourcc(view, 8) !== 'WAVE') throw new RangeError(`${where}: a RIFF file but not WAVE (form type '${fourcc(view, 8)}')`);
  let fmt: WavFormat | null = null;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = fourcc(view, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (body + size > bytes.length) throw new RangeError(`${where}: truncated 'fmt ' chunk (${size} bytes declared, ${bytes.length - body} present)`);
      fmt = parseFmt(view, body, size);
    } else if (id === 'data') {
      if (fmt === null) throw new RangeError(`${where}: the 'data' chunk comes before any 'fmt ' chunk`);
      if (body + size > bytes.length) throw new RangeError(`${where}: truncated data chunk (${size} bytes declared, ${bytes.length - body} present)`);
      if (size % fmt.blockAlign !== 0) throw new RangeError(`${where}: the data chunk's ${size} bytes are not a whole number of ${fmt.blockAlign}-byte frames`);
      const count = size / (fmt.bits / 8);
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, frames: count / fmt.channels, samples: readSamples(view, body, count, fmt), bitsPerSample: fmt.bits };
    }
    at = body + size + (size % 2); // chunks are padded to an even length
  }
  throw new RangeError(`${where}: no ${fmt === null ? "'fmt ' chunk" : 'data chunk'} found`);
}

// ---- resampling ------------------------------------------------------------------------------

/** The modified Bessel function of the first kind, order 0 (its power series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * scipy.signal.firwin(taps, cutoff, window=('kaiser', beta)): a low-pass windowed sinc with
 * the cutoff relative to Nyquist, scaled to unit gain at 0.
 */
function lowPass(taps: number, cutoff: number, beta: number): Float64Array {
  const h = new Float64Array(taps);
  const alpha = (taps - 1) / 2;
  const i0 = besselI0(beta);
  let sum = 0;
  for (let n = 0; n < taps; n++) {
    const m = n - alpha;
    const x = cutoff * m;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = (2 * n) / (taps - 1) - 1;
    h[n] = cutoff * sinc * (besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0);
    sum += h[n];
  }
  for (let n = 0; n < taps; n++) h[n] /= sum;
  return h;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Resamples interleaved audio `[frames, channels]` from `rateIn` to `rateOut` Hz with
 * scipy.signal.resample_poly's polyphase method (its default Kaiser window, β = 5, a
 * 20·max(up, down) + 1 tap low-pass; zero padding at the ends): ⌈frames·up/down⌉ frames,
 * with up/down = rateOut/rateIn in lowest terms. Keras resamples with tensorflow-io, whose
 * filter differs slightly.
 */
export function resampleAudio(samples: Float32Array, channels: number, rateIn: number, rateOut: number): Float32Array {
  for (const [name, r] of [['rateIn', rateIn], ['rateOut', rateOut]] as const) if (!(Number.isInteger(r) && r > 0)) throw new RangeError(`resampleAudio: ${name} must be a positive integer; got ${r}`);
  if (!(Number.isInteger(channels) && channels > 0) || samples.length % channels !== 0) throw new RangeError(`resampleAudio: ${samples.length} samples are not whole frames of ${channels} channels`);
  const g = gcd(rateOut, rateIn);
  const up = rateOut / g;
  const down = rateIn / g;
  if (up === 1 && down === 1) return samples.slice();
  const nIn = samples.length / channels;
  const nOut = Math.ceil((nIn * up) / down);
  const maxRate = Math.max(up, down);
  const halfLen = 10 * maxRate;
  const filter = lowPass(2 * halfLen + 1, 1 / maxRate, 5);
  // The filter zero-padded in front so that output samples sit at its centre (scipy's n_pre_pad).
  const prePad = down - (halfLen % down);
  const h = new Float64Array(prePad + filter.length);
  for (let j = 0; j < filter.length; j++) h[prePad + j] = filter[j] * up;
  const skip = Math.floor((halfLen + prePad) / down);
  const out = new Float32Array(nOut * channels);
  // upfirdn: y[k] = Σ_n h[k·down − n·up] · x[n], for the kept outputs k = skip … skip + nOut − 1.
  for (let k = 0; k < nOut; k++) {
    const t = (k + skip) * down;
    const nHi = Math.min(nIn - 1, Math.floor(t / up));
    const nLo = Math.max(0, Math.ceil((t - h.length + 1) / up));
    for (let c = 0; c < channels; c++) {
      let acc = 0;
      for (let n = nLo; n <= nHi; n++) acc += h[t - n * up] * samples[n * channels + c];
      out[k * channels + c] = acc;
    }
  }
  return out;
}
