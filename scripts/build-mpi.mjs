#!/usr/bin/env node
// Builds nt.distributed's MPI binding (native/mpi, an N-API addon linked with libmpi) when
// MPI is installed (mpicc on PATH: Debian's openmpi-bin + libopenmpi-dev). Without MPI it
// says so and exits 0: Neurite then trains in one process, and nt.distributed.init()
// explains what to install. Run by scripts/setup.sh; by hand: node scripts/build-mpi.mjs.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeGypRebuild } from './node-gyp.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mpicc = spawnSync('mpicc', ['--showme:version'], { encoding: 'utf8' });
if (mpicc.error || mpicc.status !== 0) {
  console.log('neurite: MPI not found (no mpicc); nt.distributed runs in one process. For multi-process training install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev), then run node scripts/build-mpi.mjs.');
  process.exit(0);
}
console.log(`neurite: building the MPI binding (${(mpicc.stdout || mpicc.stderr).trim().split('\n')[0]})...`);
if (nodeGypRebuild(join(root, 'native', 'mpi'), 'the MPI binding')) console.log('neurite: MPI binding built (native/mpi/build/Release/neurite_mpi.node).');
else console.warn('neurite: could not build the MPI binding; nt.distributed runs in one process.');
process.exit(0);
