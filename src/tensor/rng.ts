/**
 * A small, fast, seedable pseudo-random generator (xoshiro128**, seeded through
 * splitmix32). The same seed gives the same stream on every platform and backend.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng: seed must be a finite number; got ${seed}`);
    let x = (Math.floor(seed) ^ Math.floor(seed / 4294967296)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 24 random bits, so it is exact in float32. */
  uniform(): number {
    return (this.nextUint32() >>> 8) * (1 / 16777216);
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u1 = 1 - this.uniform(); // (0, 1], so log is finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** The full state (four words and the cached normal), for checkpoints. */
  getState(): number[] {
    return [this.s0, this.s1, this.s2, this.s3, this.spare ?? Number.NaN];
  }

  /** Restores a state from getState(). */
  setState(state: readonly number[]): void {
    if (!Array.isArray(state) || state.length !== 5 || !state.slice(0, 4).every((v) => Number.isInteger(v))) {
      throw new RangeError(`Rng.setState: expected the 5 numbers of getState(); got ${JSON.stringify(state)}`);
    }
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v | 0);
    this.spare = Number.isNaN(state[4]) ? null : state[4];
  }

  /** A new generator whose stream is derived from this one (for splitting work). */
  fork(): Rng {
    return new Rng(this.nextUint32() * 4294967296 + this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

let globalRng = new Rng(Math.floor(Math.random() * 2 ** 52));

/** Seeds the global generator used by random ops that are not given their own seed. */
export function setSeed(seed: number): void {
  globalRng = new Rng(seed);
}

/** The global generator's state (ops and layers without their own seed draw from it). */
export function getGlobalRngState(): number[] {
  return globalRng.getState();
}

export function setGlobalRngState(state: readonly number[]): void {
  globalRng.setState(state);
}

/** The generator for a random op: a fresh one for an explicit seed, else the global one. */
export function rngFor(seed?: number): Rng {
  return seed === undefined ? globalRng : new Rng(seed);
}
