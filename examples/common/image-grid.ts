/** Writing batches of generated images as one PNG grid (shared by the generative examples). */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as nt from '../../src/index.js';

export interface ImageGridOptions {
  /** Tiles per row (default: ceil(sqrt(n))). */
  readonly columns?: number;
  /** Pixels between tiles (default 2). */
  readonly margin?: number;
  /** Grey level of the margins, 0..1 (default 1: white lines between the tiles). */
  readonly background?: number;
}

/**
 * Tiles images [n, h, w, c] with values in 0..1 into one grid and writes it as a PNG
 * (values are kept as they are, not rescaled per tile, so the grid shows what the model
 * produced); makes the folder if needed. Returns the path.
 */
export async function saveImageGrid(path: string, images: nt.Tensor, options: ImageGridOptions = {}): Promise<string> {
  const { columns, margin = 2, background = 1 } = options;
  const grid = nt.noGrad(() => nt.mul(nt.clip(nt.viz.tileImages(images, { columns, margin, background, normalize: false }), 0, 1), 255));
  await mkdir(dirname(path), { recursive: true });
  await nt.saveImg(path, grid, { scale: false });
  return path;
}
