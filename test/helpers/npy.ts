/**
 * The .npy reader the tests use: the library's own (src/io/npy.ts), re-exported under the
 * names the tests import.
 */
export { parseNpy, readNpy, loadNpy, encodeNpy, saveNpy, npyToTensor, type NpyArray, type NpyData } from '../../src/io/npy.js';
