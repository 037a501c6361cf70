/**
 * The official onnx.proto (proto/onnx.proto at the package root, copied verbatim from ONNX)
 * loaded at run time with protobufjs, and the plain-object shapes of the messages we write.
 * Field names are protobufjs' camelCase spellings of the proto's snake_case fields.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface TensorMsg {
  readonly name: string;
  readonly dims: number[];
  readonly dataType: number;
  readonly rawData: Uint8Array;
}

export interface AttributeMsg {
  readonly name: string;
  readonly type: number;
  readonly f?: number;
  readonly i?: number;
  readonly s?: Uint8Array;
  readonly floats?: number[];
  readonly ints?: number[];
  readonly strings?: Uint8Array[];
}

export interface NodeMsg {
  input: string[];
  output: string[];
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly attribute: AttributeMsg[];
}

export interface DimMsg {
  readonly dimValue?: number;
  readonly dimParam?: string;
}

export interface ValueInfoMsg {
  readonly name: string;
  readonly type: { readonly tensorType: { readonly elemType: number; readonly shape: { readonly dim: DimMsg[] } } };
}

export interface GraphMsg {
  readonly name: string;
  readonly node: NodeMsg[];
  readonly initializer: TensorMsg[];
  readonly input: ValueInfoMsg[];
  readonly output: ValueInfoMsg[];
  readonly docString?: string;
}

export interface ModelMsg {
  readonly irVersion: number;
  readonly opsetImport: { readonly domain: string; readonly version: number }[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly modelVersion?: number;
  readonly docString?: string;
  readonly graph: GraphMsg;
}

/**
 * The package root: the folder holding proto/onnx.proto, found by walking up from this
 * module (build/src/io/onnx → 4 levels up; src/io/onnx when run from source → 3).
 */
export function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  let dir = here;
  for (let up = 0; up < 6; up++) {
    if (existsSync(join(dir, 'proto', 'onnx.proto'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`ONNX export: cannot find proto/onnx.proto above ${here}; the package's proto/ folder must be installed next to build/`);
}

export function onnxProtoPath(): string {
  return join(packageRoot(), 'proto', 'onnx.proto');
}

/** The package's version (ModelProto.producer_version). */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

let cached: protobuf.Type | null = null;

/** The onnx.ModelProto message type (the .proto is parsed once). */
export function modelProtoType(): protobuf.Type {
  if (cached === null) {
    const root = protobuf.loadSync(onnxProtoPath());
    cached = root.lookupType('onnx.ModelProto');
  }
  return cached;
}

/** Serializes a ModelProto; the message is verified against the schema first. */
export function encodeModel(model: ModelMsg): Uint8Array {
  const type = modelProtoType();
  const plain = model as unknown as Record<string, unknown>;
  const problem = type.verify(plain);
  if (problem) throw new Error(`ONNX export: the model does not fit onnx.proto: ${problem}`);
  return type.encode(type.fromObject(plain)).finish();
}

/** Parses serialized ModelProto bytes back into a plain object (for inspection and tests). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const type = modelProtoType();
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as Record<string, unknown>;
}
