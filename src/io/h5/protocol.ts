/**
 * What the HDF5 worker and the main thread exchange: an HDF5 file read into plain objects
 * (groups, datasets, attributes) and a list of operations that write one. Types only.
 */

/** An attribute value as JSON-compatible data (strings decoded, numbers as numbers). */
export type H5AttrValue = string | number | boolean | H5AttrValue[];

/** The numeric arrays datasets are read into and written from. */
export type H5Array = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface H5Dataset {
  readonly kind: 'dataset';
  readonly attrs: Record<string, H5AttrValue>;
  readonly shape: number[];
  /** h5wasm's dtype string ('<f', '<d', '<i', '<q', ...) or a description for other types. */
  readonly dtype: string;
  /** The values for numeric datasets; null when skipped or not numeric. */
  readonly data: H5Array | null;
}

export interface H5Group {
  readonly kind: 'group';
  readonly attrs: Record<string, H5AttrValue>;
  /** Members by name (links to anything but groups and datasets are left out). */
  readonly children: Map<string, H5Group | H5Dataset>;
}

export type H5Node = H5Group | H5Dataset;

/** One step of writing a file; paths are absolute inside the file ('/model_weights/dense'). */
export type H5WriteOp =
  | { readonly op: 'group'; readonly path: string }
  /** A UTF-8 variable-length string attribute (one string, or a 1-D array of them). */
  | { readonly op: 'attr'; readonly path: string; readonly name: string; readonly value: string | readonly string[] }
  /** An empty 1-D float64 attribute (what Keras writes for a layer without weights). */
  | { readonly op: 'empty-attr'; readonly path: string; readonly name: string }
  | { readonly op: 'dataset'; readonly path: string; readonly shape: readonly number[]; readonly data: Float32Array | Int32Array | BigInt64Array };

export interface ReadRequest {
  readonly id: number;
  readonly kind: 'read';
  readonly path: string;
  /** Paths (in the file) whose dataset values are not read ('/optimizer_weights'). */
  readonly skip: readonly string[];
}

export interface WriteRequest {
  readonly id: number;
  readonly kind: 'write';
  readonly path: string;
  readonly ops: readonly H5WriteOp[];
}

export type WorkerRequest = ReadRequest | WriteRequest;

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly root?: H5Group }
  /** `fatal`: the HDF5 library aborted or faulted; the worker must not be used again. */
  | { readonly id: number; readonly ok: false; readonly message: string; readonly fatal: boolean };
