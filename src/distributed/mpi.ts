/**
 * `nt.distributed`: data-parallel training over MPI, the way Horovod does it. Launch the same
 * script on several processes with the cluster's MPI launcher (`mpirun -np 4 node
 * train.js`, Slurm's `srun`, a Kubeflow MPIJob); every process calls `init()` and learns
 * its `rank()` among `size()` processes. Collectives move float32 values between them:
 *  - `allreduce` (sum or average; many tensors fused into one buffer per call),
 *  - `broadcast` (the root's values to every rank), `allgather`, `barrier`.
 * Without a launcher (or without MPI installed) the same script runs as rank 0 of 1 and the
 * collectives return their inputs: nothing to change between a laptop and a cluster.
 *
 * The binding is native/mpi (an N-API addon linked with libmpi, built by
 * scripts/build-mpi.mjs when Open MPI is installed). Open MPI loads its components with
 * dlopen and they look MPI's symbols up globally, so the addon is loaded with RTLD_GLOBAL.
 */
import { Tensor } from '../tensor/tensor.js';
import { fetchValues } from '../tensor/tensor.js';

/** The addon's functions (native/mpi/mpi.cc). */
interface MpiBinding {
  init(): void;
  finalize(): void;
  rank(): number;
  size(): number;
  localRank(): number;
  allreduceSum(values: Float32Array): void;
  broadcast(values: ArrayBufferView, root: number): void;
  allgather(send: ArrayBufferView, recv: ArrayBufferView): void;
  barrier(): void;
  abort(code: number): void;
  wtime(): number;
  version(): string;
}

type NodeProcess = { versions?: { node?: string }; env: Record<string, string | undefined>; dlopen?: (module: { exports: unknown }, path: string, flags?: number) => void };

const ADDON_URL = new URL('../../../native/mpi/build/Release/neurite_mpi.node', import.meta.url);

/** Environment variables MPI launchers set for their processes (Open MPI, PMI/PMIx: MPICH, Slurm). */
const LAUNCHER_VARS = ['OMPI_COMM_WORLD_SIZE', 'PMI_SIZE', 'PMIX_RANK'];

/** Whether a launcher started this process as part of a job. */
export function launchedByMpi(): boolean {
  const env = (globalThis as { process?: NodeProcess }).process?.env ?? {};
  return LAUNCHER_VARS.some((v) => env[v] !== undefined);
}

let binding: MpiBinding | null = null;
let loadError: string | null = null;
let state: { rank: number; size: number; localRank: number; mpi: boolean } | null = null;

async function loadBinding(): Promise<MpiBinding | null> {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (!proc?.versions?.node || typeof proc.dlopen !== 'function') {
    loadError = 'not running in Node.js';
    return null;
  }
  const [{ fileURLToPath }, { existsSync }, os] = await Promise.all([import('node:url'), import('node:fs'), import('node:os')]);
  const path = proc.env.NEURITE_MPI_PATH || fileURLToPath(ADDON_URL);
  if (!existsSync(path)) {
    loadError = `the MPI binding ${path} was not built: install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) and run node scripts/build-mpi.mjs`;
    return null;
  }
  const module = { exports: {} as unknown };
  try {
    const flags = os.constants.dlopen as Record<string, number>;
    proc.dlopen(module, path, (flags.RTLD_NOW ?? 2) | (flags.RTLD_GLOBAL ?? 256));
  } catch (e) {
    loadError = `the MPI binding failed to load: ${(e as Error).message}`;
    return null;
  }
  return module.exports as MpiBinding;
}

/**
 * Joins the job: MPI_Init when a launcher started this process, else a job of one process
 * (rank 0 of 1). Idempotent. A process a launcher started while the MPI binding is missing
 * gets an error saying how to build it (it would otherwise train alone, silently).
 */
export async function init(): Promise<{ rank: number; size: number; localRank: number }> {
  if (state !== null) return { rank: state.rank, size: state.size, localRank: state.localRank };
  if (!launchedByMpi()) {
    state = { rank: 0, size: 1, localRank: 0, mpi: false };
    return { rank: 0, size: 1, localRank: 0 };
  }
  binding = await loadBinding();
  if (binding === null) throw new Error(`nt.distributed.init: started by an MPI launcher, but ${loadError}`);
  binding.init();
  state = { rank: binding.rank(), size: binding.size(), localRank: binding.localRank(), mpi: true };
  return { rank: state.rank, size: state.size, localRank: state.localRank };
}

function joined(who: string): { rank: number; size: number; localRank: number; mpi: boolean } {
  if (state === null) throw new Error(`nt.distributed.${who}: call await nt.distributed.init() first`);
  return state;
}

/** This process's index in the job, 0 … size − 1. */
export function rank(): number {
  return joined('rank').rank;
}

/** The number of processes in the job. */
export function size(): number {
  return joined('size').size;
}

/** This process's index among the job's processes on its machine (to pick a device or threads). */
export function localRank(): number {
  return joined('localRank').localRank;
}

/** Whether this process is part of an MPI job of more than one process. */
export function isDistributed(): boolean {
  return state !== null && state.mpi && state.size > 1;
}

/** The MPI library's version string (null in a job of one process without MPI). */
export function mpiVersion(): string | null {
  return state?.mpi && binding ? binding.version().replace(/\0+$/, '').trim() : null;
}

/** The float32 values of tensors, read to the host (copies). */
async function hostValues(tensors: readonly Tensor[], who: string): Promise<Float32Array[]> {
  for (const t of tensors) if (!(t instanceof Tensor) || t.dtype !== 'float32') throw new TypeError(`nt.distributed.${who}: takes float32 tensors`);
  await fetchValues([...tensors]);
  return tensors.map((t) => t.dataSync() as Float32Array);
}

/** Concatenated values (one buffer for one collective). */
export function fuse(values: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(values.reduce((n, v) => n + v.length, 0));
  let at = 0;
  for (const v of values) {
    out.set(v, at);
    at += v.length;
  }
  return out;
}

/** Tensors shaped like `like` over consecutive stretches of `buffer`. */
function split(buffer: Float32Array, like: readonly Tensor[]): Tensor[] {
  let at = 0;
  return like.map((t) => {
    const v = buffer.slice(at, at + t.size);
    at += t.size;
    return new Tensor(v, [...t.shape]);
  });
}

/**
 * Sums (or averages) each tensor across the ranks; every rank gets the result. All the
 * tensors travel in one fused buffer (one MPI_Allreduce per call, however many small
 * gradients). Every rank must call it with tensors of the same shapes, in the same order.
 */
export async function allreduce(tensors: readonly Tensor[], options: { readonly op?: 'sum' | 'average' } = {}): Promise<Tensor[]> {
  const op = options.op ?? 'average';
  if (op !== 'sum' && op !== 'average') throw new RangeError(`nt.distributed.allreduce: op must be 'sum' or 'average'; got ${JSON.stringify(op)}`);
  const s = joined('allreduce');
  const buffer = fuse(await hostValues(tensors, 'allreduce'));
  if (s.mpi && s.size > 1) allreduceBuffer(buffer, op);
  return split(buffer, tensors);
}

/** In-place allreduce of a Float32Array (sum, or average). */
export function allreduceBuffer(buffer: Float32Array, op: 'sum' | 'average' = 'sum'): void {
  const s = joined('allreduceBuffer');
  if (!(s.mpi && s.size > 1)) return;
  const t = performance.now();
  (binding as MpiBinding).allreduceSum(buffer);
  if (op === 'average') for (let i = 0; i < buffer.length; i++) buffer[i] /= s.size;
  counters.allreduces++;
  counters.bytes += buffer.byteLength;
  counters.seconds += (performance.now() - t) / 1000;
}

/** What this rank's allreduces cost since the job started (or since resetStats). */
export interface AllreduceStats {
  /** MPI_Allreduce calls (one per training step with DistributedOptimizer). */
  readonly allreduces: number;
  /** Bytes this rank reduced (its buffers' sizes). */
  readonly bytes: number;
  /** Seconds inside them, waiting for the other ranks included. */
  readonly seconds: number;
}

const counters = { allreduces: 0, bytes: 0, seconds: 0 };

/** This rank's allreduce calls, bytes and seconds (zeros in a job of one process). */
export function stats(): AllreduceStats {
  return { ...counters };
}

/** Zeroes the counters of stats(). */
export function resetStats(): void {
  counters.allreduces = 0;
  counters.bytes = 0;
  counters.seconds = 0;
}

/** The root rank's values of each tensor, on every rank (new tensors; the root's are copies). */
export async function broadcast(tensors: readonly Tensor[], root = 0): Promise<Tensor[]> {
  const s = joined('broadcast');
  if (!Number.isInteger(root) || root < 0 || root >= s.size) throw new RangeError(`nt.distributed.broadcast: root must be a rank in [0, ${s.size}); got ${root}`);
  const buffer = fuse(await hostValues(tensors, 'broadcast'));
  if (s.mpi && s.size > 1) (binding as MpiBinding).broadcast(buffer, root);
  return split(buffer, tensors);
}

/** Every rank's tensor stacked along a new first axis, in rank order (the shapes must agree). */
export async function allgather(tensor: Tensor): Promise<Tensor> {
  const s = joined('allgather');
  const [values] = await hostValues([tensor], 'allgather');
  const out = new Float32Array(values.length * s.size);
  if (s.mpi && s.size > 1) (binding as MpiBinding).allgather(values, out);
  else out.set(values);
  return new Tensor(out, [s.size, ...tensor.shape]);
}

/** The root rank's bytes of any typed array, on every rank, in place (seeds, counters). */
export function broadcastBuffer(values: ArrayBufferView, root = 0): void {
  const s = joined('broadcastBuffer');
  if (s.mpi && s.size > 1) (binding as MpiBinding).broadcast(values, root);
}

/**
 * The root's bytes on every rank (of any length: the length travels first). The root passes
 * its bytes (or null for "nothing": every rank then gets null); the others pass null.
 */
export function broadcastBytes(bytes: Uint8Array | null, root = 0): Uint8Array | null {
  const s = joined('broadcastBytes');
  if (!(s.mpi && s.size > 1)) return bytes;
  const length = Float64Array.of(s.rank === root && bytes !== null ? bytes.length : -1);
  (binding as MpiBinding).broadcast(length, root);
  if (length[0] < 0) return null;
  const out = s.rank === root ? (bytes as Uint8Array) : new Uint8Array(length[0]);
  if (out.length > 0) (binding as MpiBinding).broadcast(out, root);
  return out;
}

/** Every rank's bytes (of any lengths), in rank order. */
export function allgatherBytes(bytes: Uint8Array): Uint8Array[] {
  const s = joined('allgatherBytes');
  if (!(s.mpi && s.size > 1)) return [bytes];
  const lengths = new Float64Array(s.size);
  (binding as MpiBinding).allgather(Float64Array.of(bytes.length), lengths);
  const longest = Math.max(...lengths);
  const padded = new Uint8Array(longest);
  padded.set(bytes);
  const all = new Uint8Array(longest * s.size);
  if (longest > 0) (binding as MpiBinding).allgather(padded, all);
  return Array.from(lengths, (n, r) => all.slice(r * longest, r * longest + n));
}

/** Waits until every rank has called it. */
export function barrier(): void {
  const s = joined('barrier');
  if (s.mpi && s.size > 1) (binding as MpiBinding).barrier();
}

/** Leaves the job (MPI_Finalize); call once at the end of the script. */
export function finalize(): void {
  if (state?.mpi && binding) binding.finalize();
  state = null;
}

/** Ends every process of the job with `code` (MPI_Abort): a rank that cannot go on must not leave the others waiting. */
export function abort(code = 1): never {
  if (state?.mpi && binding) binding.abort(code);
  const proc = (globalThis as { process?: { exit(code: number): never } }).process;
  if (proc) proc.exit(code);
  throw new Error(`nt.distributed.abort(${code})`);
}
