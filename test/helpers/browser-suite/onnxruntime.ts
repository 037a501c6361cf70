/**
 * `onnxruntime-node` for test pages. onnxruntime is the oracle, not the code under test, and
 * its Node build cannot load in a page: a session's model bytes and feeds go to the Node
 * side of the harness (the page function `__neuriteSuiteOrt` that ./run.ts exposes), which
 * runs them in onnxruntime-node and sends the outputs back. Float32 values travel as JSON
 * numbers (a float32 widened to a double prints and parses back exactly).
 */
import { readBytes, toPath } from './vfs.js';

export type OrtType = 'float32' | 'int32' | 'int64';

export interface OrtTensorData {
  readonly type: OrtType;
  readonly data: number[];
  readonly dims: number[];
}

export interface OrtRequest {
  /** The model's bytes, base64. */
  readonly model: string;
  readonly feeds: Record<string, OrtTensorData>;
}

export type OrtResponse = { readonly outputs: Record<string, OrtTensorData> } | { readonly error: string };

type Data = Float32Array | Int32Array | BigInt64Array;

export class Tensor {
  readonly size: number;
  constructor(
    readonly type: OrtType,
    readonly data: Data,
    readonly dims: readonly number[],
  ) {
    this.size = dims.reduce((a, b) => a * b, 1);
  }
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(s);
}

function host(): (req: OrtRequest) => Promise<OrtResponse> {
  const f = (globalThis as { __neuriteSuiteOrt?: (req: OrtRequest) => Promise<OrtResponse> }).__neuriteSuiteOrt;
  if (!f) throw new Error('onnxruntime is not available in this page (the harness exposes __neuriteSuiteOrt)');
  return f;
}

export class InferenceSession {
  private constructor(private readonly model: string) {}

  static async create(model: string | Uint8Array | ArrayBuffer, _options?: object): Promise<InferenceSession> {
    const bytes = typeof model === 'string' ? readBytes(toPath(model)) : model instanceof ArrayBuffer ? new Uint8Array(model) : model;
    return new InferenceSession(base64(bytes));
  }

  async run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const wire: Record<string, OrtTensorData> = {};
    for (const [name, t] of Object.entries(feeds)) wire[name] = { type: t.type, data: Array.from(t.data as ArrayLike<number | bigint>, Number), dims: [...t.dims] };
    const res = await host()({ model: this.model, feeds: wire });
    if ('error' in res) throw new Error(res.error);
    const out: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(res.outputs)) {
      const data = t.type === 'float32' ? Float32Array.from(t.data) : t.type === 'int32' ? Int32Array.from(t.data) : BigInt64Array.from(t.data, (v) => BigInt(v));
      out[name] = new Tensor(t.type, data, t.dims);
    }
    return out;
  }

  async release(): Promise<void> {
    // nothing held in the page
  }
}

export default { Tensor, InferenceSession };
