/** `neurite evaluate <model> <data>`: loss and metrics of a saved model on a data set, .npy arrays or an image folder. */
import type { Model } from '../../models/model.js';
import type { Callback } from '../../callbacks/callback.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, numberFlag, stringFlag } from '../command.js';
import { InputInvalidError, UsageError } from '../errors.js';
import { datasetKey, imageGeometry, isDir, loadDataset, loadNpyArrays, lossName, toModelInput, toModelLabels } from '../data.js';
import { loadNeurite, messageOf, note, openModel, out, outJson, singleInputShape, stderrProgress } from '../util.js';

/** Compiles for evaluation when the model is not compiled or the loss/metrics are overridden. */
async function ensureCompiled(model: Model, args: ParsedArgs): Promise<string | null> {
  const loss = stringFlag(args, 'loss');
  const metrics = stringFlag(args, 'metrics');
  if (model.compileArgs !== null && loss === undefined && metrics === undefined) return lossName(model.compileArgs.loss);
  const useLoss = loss ?? (model.compileArgs ? lossName(model.compileArgs.loss) : null) ?? 'sparse_categorical_crossentropy';
  const useMetrics = metrics !== undefined ? metrics.split(',').map((m) => m.trim()).filter((m) => m.length > 0) : ['accuracy'];
  try {
    model.compile({ optimizer: 'sgd', loss: useLoss, metrics: useMetrics });
  } catch (e) {
    throw new UsageError(messageOf(e));
  }
  return useLoss;
}

/**
 * Evaluates on a folder of class sub-folders. Labels are the sub-folders' indices in
 * alphabetical order (Keras' flow_from_directory), or their names when every name is an
 * integer below the model's class count (so `3/` and `7/` mean classes 3 and 7); they are
 * one-hot encoded to the model's width for a categorical loss.
 */
async function evaluateFolder(model: Model, dir: string, loss: string | null, opts: { batchSize: number; rescale: number; callbacks: Callback[] }): Promise<number | number[] | Record<string, number>> {
  const nt = await loadNeurite();
  const g = imageGeometry(singleInputShape(model, 'evaluate'));
  const units = model.outputs[0]?.shape.at(-1) ?? 1;
  const gen = new nt.ImageDataGenerator({ rescale: opts.rescale });
  const flow = gen.flowFromDirectory(dir, { targetSize: g.targetSize, colorMode: g.colorMode, batchSize: opts.batchSize, shuffle: false, classMode: 'sparse', verbose: false });
  note(`Found ${flow.n} images belonging to ${flow.numClasses} classes.`);
  const names = Object.entries(flow.classIndices).sort((a, b) => a[1] - b[1]).map(([name]) => name);
  const byName = names.every((n) => /^\d+$/.test(n) && Number(n) < units);
  if (!byName && units > 1 && names.length > units) throw new InputInvalidError(`'${dir}' has ${names.length} class sub-folders but the model has ${units} outputs`);
  const labelOf = names.map((n, i) => (byName ? Number(n) : i));
  const categorical = loss !== null && /categorical/i.test(loss) && !/sparse/i.test(loss);
  async function* batches(): AsyncGenerator<readonly [Tensor, Tensor]> {
    for (let i = 0; i < flow.length; i++) {
      const [x, y] = (await flow.getBatch(i)) as readonly [Tensor, Tensor];
      const labels = nt.tensor(Float32Array.from(y.dataSync(), (c) => labelOf[c]), [y.shape[0]]);
      yield [x, categorical ? nt.toCategorical(labels, units) : labels];
    }
  }
  return model.evaluate(batches(), { verbose: 0, returnDict: true, callbacks: opts.callbacks, steps: flow.length });
}

function format(result: number | number[] | Record<string, number>): Record<string, number> {
  if (typeof result === 'number') return { loss: result };
  if (Array.isArray(result)) return Object.fromEntries(result.map((v, i) => [i === 0 ? 'loss' : `metric_${i}`, v]));
  return result;
}

async function run(args: ParsedArgs): Promise<number> {
  const [modelPath, data] = args.positionals;
  const limit = numberFlag(args, 'limit', { min: 1 });
  const batchSize = numberFlag(args, 'batch-size', { min: 1 }) ?? 32;
  const rescale = numberFlag(args, 'rescale', { integer: false });
  const labels = stringFlag(args, 'labels');
  const split = stringFlag(args, 'split') ?? 'test';
  if (split !== 'train' && split !== 'test') throw new UsageError(`--split must be train or test; got '${split}'`);
  const isNpy = /\.npy$/i.test(data);
  if (isNpy && labels === undefined) throw new UsageError('evaluating on a .npy array needs --labels y.npy');
  const isFolder = !isNpy && (await isDir(data));
  if (!isNpy && !isFolder && datasetKey(data) === null) {
    throw new UsageError(`<data> must be a data set name (mnist, fashion_mnist, cifar10, cifar100), an x.npy with --labels, or a folder of class sub-folders; got '${data}'`);
  }
  const model = await openModel(modelPath);
  const loss = await ensureCompiled(model, args);
  const callbacks = await stderrProgress(boolFlag(args, 'quiet') ? 0 : 1, 'test');
  let result;
  if (isFolder) {
    result = await evaluateFolder(model, data, loss, { batchSize, rescale: rescale ?? 1 / 255, callbacks });
  } else {
    const arrays = isNpy ? await loadNpyArrays(data, labels, limit) : await loadDataset(data, split, limit);
    if (arrays.y === null) throw new InputInvalidError('no labels');
    const x = await toModelInput(arrays.x, model, rescale ?? (isNpy ? 1 : 1 / 255), data);
    const y = await toModelLabels(arrays.y, model, loss);
    note(`evaluating ${model.name} on ${x.shape[0]} samples of ${data}${isNpy ? '' : ` (${split})`}`);
    try {
      result = await model.evaluate(x, y, { batchSize, verbose: 0, returnDict: true, callbacks });
    } catch (e) {
      throw new InputInvalidError(`evaluate: ${messageOf(e)}`);
    }
  }
  const metrics = format(result);
  if (boolFlag(args, 'json')) outJson(metrics);
  else for (const [k, v] of Object.entries(metrics)) out(`${k}: ${v.toFixed(4)}`);
  return 0;
}

/** The `evaluate` command. */
export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'loss and metrics of a saved model on a data set, .npy arrays or a folder of images',
  usage: ['<model> <dataset> [--split test|train] [--limit N]', '<model> <x.npy> --labels <y.npy>', '<model> <folder>'],
  description:
    '<data> is one of: a data set of nt.datasets (mnist, fashion_mnist, cifar10, cifar100; the\n' +
    'test split unless --split train; pixels scaled by 1/255), an x.npy array with --labels y.npy\n' +
    '(fed as they are), or a folder with one sub-folder of images per class (flowFromDirectory;\n' +
    'a sub-folder is the class of its alphabetical index, or of its name when names are integers).\n' +
    'Inputs are reshaped to the model input when each sample has its size ([N, 28, 28] feeds a\n' +
    '[28, 28, 1] or [784] model); integer labels are one-hot encoded for a categorical loss.\n' +
    "A compiled model (.h5 with a training config) is evaluated with its own loss and metrics;\n" +
    'otherwise with --loss (sparse_categorical_crossentropy) and --metrics (accuracy).\n' +
    'Prints "name: value" lines (or JSON) on stdout; the progress bar goes to stderr.',
  options: {
    labels: { type: 'string', value: 'FILE.npy', help: 'the labels, for an x.npy input' },
    split: { type: 'string', value: 'SPLIT', help: 'the data set split, train or test', default: 'test' },
    limit: { type: 'string', value: 'N', help: 'evaluate on the first N samples only' },
    loss: { type: 'string', value: 'LOSS', help: "a Keras loss identifier", default: "the model's, else sparse_categorical_crossentropy" },
    metrics: { type: 'string', value: 'LIST', help: 'comma-separated Keras metric identifiers', default: "the model's, else accuracy" },
    rescale: { type: 'string', value: 'F', help: 'multiply inputs by F', default: '1/255 for data sets and images, 1 for .npy' },
    'batch-size': { type: 'string', value: 'N', help: 'samples per batch', default: '32' },
    quiet: { type: 'boolean', short: 'q', help: 'no progress bar' },
    json: { type: 'boolean', help: 'print the results as a JSON object' },
  },
  args: { min: 2, max: 2, names: '<model> <data>' },
  examples: ['model.h5 fashion_mnist', 'model.nw x_test.npy --labels y_test.npy --json', 'model.h5 data/test --json'],
  run,
};
