/**
 * Filter visualisation: what a convolutional network has learnt, as images.
 *
 * - `visualizeFilter`: gradient ascent on the input image maximising the mean activation of
 *   one filter (channel) of a layer (the Keras example "Visualizing what convnets learn").
 * - `kernelGrid`: the kernels of a (first) Conv2D layer tiled into one image.
 * - `activationGrid`: the feature maps of a layer for one input, tiled into one image.
 * - `saveGrid`: writes such an image as a PNG (or any format saveImg knows).
 */
import { Tensor } from '../tensor/index.js';
import { formatShape } from '../tensor/index.js';
import { noGrad, valueAndGrad } from '../autograd/index.js';
import { add, div, max, mean, min, mul, pad, randomUniform, reshape, slice, sqrt, square, sub, sum, transpose } from '../ops/index.js';
import { Conv2D, type Layer } from '../layers/index.js';
import type { SymbolicTensor } from '../layers/symbolic.js';
import { Model } from '../models/index.js';
import { saveImg } from '../data/image/index.js';

export interface VisualizeFilterOptions {
  /** Gradient-ascent steps (default 30, as the Keras example). */
  readonly steps?: number;
  /** Step along the L2-normalised gradient (default 10, as the Keras example; images live in 0..1 here, so 0.05–1 is typical). */
  readonly stepSize?: number;
  /** One sample's shape, e.g. [28, 28, 1]; default: the model's input shape. */
  readonly inputShape?: readonly number[];
  /** Seed of the random starting image (default 0). */
  readonly seed?: number;
  /** Centre and half-width of the uniform starting image (default 0.5 ± 0.125). */
  readonly initCenter?: number;
  readonly initSpread?: number;
  /** Border pixels left out of the mean activation on each side (Keras uses 2; default 0). */
  readonly border?: number;
}

export interface FilterVisualization {
  /** The image that excites the filter, shape = one sample's input shape. */
  readonly image: Tensor;
  /** Mean activation of the filter at the start and after each step (steps + 1 values). */
  readonly activations: number[];
}

export interface GridOptions {
  /** Tiles per row (default: ceil(sqrt(n))). */
  readonly columns?: number;
  /** Pixels between tiles (default 1). */
  readonly margin?: number;
  /** Scale each tile to 0..1 by its own min and max (default true). */
  readonly normalize?: boolean;
  /** Value of the margin and of empty tiles (default 0). */
  readonly background?: number;
}

/** The symbolic output of `layer` inside `model`'s graph (the layer may be shared with other models). */
export function layerOutput(model: Model, layerName: string): SymbolicTensor {
  if (!model.isGraphBuilt) throw new Error(`viz: model ${model.name} has no graph yet; give its first layer an inputShape or call model.build([null, ...shape])`);
  const layer: Layer = model.getLayer(layerName);
  const node = model.graphNodes.find((n) => n.layer === layer);
  if (!node || node.outputs.length === 0) throw new RangeError(`viz: layer '${layerName}' has no output in model ${model.name}`);
  if (node.outputs.length > 1) throw new RangeError(`viz: layer '${layerName}' has ${node.outputs.length} outputs; one expected`);
  return node.outputs[0];
}

/** A model from `model`'s input(s) to `layerName`'s output, sharing the layers (and weights). */
export function featureModel(model: Model, layerName: string): Model {
  return new Model({ inputs: model.inputs, outputs: layerOutput(model, layerName), name: `${model.name}_${layerName}_features` });
}

function sampleShape(model: Model, given: readonly number[] | undefined): number[] {
  if (given) {
    if (!given.every((d) => Number.isInteger(d) && d > 0)) throw new RangeError(`visualizeFilter: inputShape must be positive integers; got ${formatShape(given)}`);
    return [...given];
  }
  const s = model.inputShapes[0].slice(1);
  if (!s.every((d): d is number => d !== null)) throw new RangeError(`visualizeFilter: the model's input shape has unknown dimensions; pass inputShape`);
  return s;
}

/** Mean of channel `f` of a [1, ..., channels] activation, leaving `border` pixels out on the spatial axes. */
function filterMean(y: Tensor, f: number, border: number, layerName: string): Tensor {
  const channels = y.shape[y.rank - 1];
  if (!Number.isInteger(f) || f < 0 || f >= channels) throw new RangeError(`visualizeFilter: filterIndex ${f} out of range for layer '${layerName}' with ${channels} filters`);
  const begin = y.shape.map((_, i) => (i === y.rank - 1 ? f : i === 0 || i === y.rank - 1 ? 0 : border));
  const size = y.shape.map((d, i) => (i === y.rank - 1 ? 1 : i === 0 ? d : d - 2 * border));
  if (size.some((d) => d <= 0)) throw new RangeError(`visualizeFilter: border ${border} leaves nothing of the output ${formatShape(y.shape)}`);
  return mean(slice(y, begin, size));
}

/**
 * Gradient ascent in input space: starting from a seeded noisy grey image, repeatedly adds
 * `stepSize` × (gradient / ‖gradient‖₂) of the mean activation of filter `filterIndex` of
 * layer `layerName`. Returns the image and the activation before and after each step.
 */
export function visualizeFilter(model: Model, layerName: string, filterIndex: number, options: VisualizeFilterOptions = {}): FilterVisualization {
  const { steps = 30, stepSize = 10, seed = 0, initCenter = 0.5, initSpread = 0.125, border = 0 } = options;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`visualizeFilter: steps must be a non-negative integer; got ${steps}`);
  if (!(stepSize > 0)) throw new RangeError(`visualizeFilter: stepSize must be > 0; got ${stepSize}`);
  const shape = sampleShape(model, options.inputShape);
  const features = featureModel(model, layerName);
  const objective = (x: Tensor): Tensor => filterMean(features.apply(x, { training: false }), filterIndex, border, layerName);
  const step = valueAndGrad(objective);
  let x = randomUniform([1, ...shape], { seed, minval: initCenter - initSpread, maxval: initCenter + initSpread });
  const activations: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { value, grad } = step(x);
    activations.push(value.dataSync()[0]);
    x = noGrad(() => add(x, mul(div(grad, add(sqrt(sum(square(grad))), 1e-8)), stepSize)));
  }
  activations.push(noGrad(() => objective(x)).dataSync()[0]);
  return { image: reshape(x, shape), activations };
}

/** Tiles [n, h, w, c] images into one [rows·h + (rows−1)·margin, cols·w + (cols−1)·margin, c] image, row by row. */
export function tileImages(tiles: Tensor, options: GridOptions = {}): Tensor {
  if (tiles.rank !== 4) throw new RangeError(`tileImages: expected tiles [n, h, w, c]; got shape ${formatShape(tiles.shape)}`);
  const [n, h, w, c] = tiles.shape;
  const { columns = Math.max(1, Math.ceil(Math.sqrt(n))), margin = 1, normalize = true, background = 0 } = options;
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`tileImages: columns must be a positive integer; got ${columns}`);
  if (!Number.isInteger(margin) || margin < 0) throw new RangeError(`tileImages: margin must be a non-negative integer; got ${margin}`);
  return noGrad(() => {
    let t = tiles;
    if (normalize) {
      const lo = min(t, [1, 2, 3], true);
      const span = sub(max(t, [1, 2, 3], true), lo);
      t = div(sub(t, lo), add(span, 1e-12));
    }
    const rows = Math.ceil(n / columns);
    t = pad(t, [[0, rows * columns - n], [0, margin], [0, margin], [0, 0]], 'constant', background);
    t = transpose(reshape(t, [rows, columns, h + margin, w + margin, c]), [0, 2, 1, 3, 4]);
    t = reshape(t, [rows * (h + margin), columns * (w + margin), c]);
    return slice(t, [0, 0, 0], [rows * (h + margin) - margin, columns * (w + margin) - margin, c]);
  });
}

/**
 * The kernels of a Conv2D layer as one image: one tile [kh, kw, c] per filter, where c is the
 * layer's input channels when 1 or 3 (a first layer on grey or RGB images), else 1 (the mean
 * over input channels).
 */
export function kernelGrid(layer: Layer, options: GridOptions = {}): Tensor {
  if (!(layer instanceof Conv2D)) throw new TypeError(`kernelGrid: expected a Conv2D layer; got ${layer.constructor.name} '${layer.name}'`);
  const k = layer.kernel;
  if (!k) throw new Error(`kernelGrid: layer '${layer.name}' is not built yet (no kernel)`);
  return noGrad(() => {
    let tiles = transpose(k, [3, 0, 1, 2]);
    if (tiles.shape[3] !== 1 && tiles.shape[3] !== 3) tiles = mean(tiles, 3, true);
    return tileImages(tiles, options);
  });
}

/** The feature maps of layer `layerName` for the first sample of `x`, one grey tile per channel. */
export function activationGrid(model: Model, layerName: string, x: Tensor, options: GridOptions = {}): Tensor {
  const features = featureModel(model, layerName);
  const first = slice(x, x.shape.map(() => 0), [1, ...x.shape.slice(1)]);
  return noGrad(() => {
    const y = features.apply(first, { training: false });
    if (y.rank !== 4) throw new RangeError(`activationGrid: layer '${layerName}' gives ${formatShape(y.shape)}; feature maps [1, h, w, channels] expected`);
    return tileImages(transpose(y, [3, 1, 2, 0]), options);
  });
}

/** Writes a [h, w, c] grid (c = 1, 3 or 4) as an image, scaled to 0..255 by its min and max. */
export async function saveGrid(path: string, grid: Tensor): Promise<void> {
  if (grid.rank === 2) return saveImg(path, reshape(grid, [...grid.shape, 1]));
  return saveImg(path, grid);
}
