/** `neurite predict <model> <images…|folder|x.npy>`: top-k classes per input, or all outputs to .npy. */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Tensor } from '../../tensor/tensor.js';
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, choiceFlag, numberFlag, stringFlag } from '../command.js';
import { InputInvalidError, UsageError, requireReadable } from '../errors.js';
import { CLASS_NAMES, datasetKey, imageFilesIn, imageGeometry, isDir, loadImages, loadNpyArrays, toModelInput } from '../data.js';
import { loadNeurite, note, openModel, out, outJson, singleInputShape } from '../util.js';
import { saveNpy } from '../../io/npy.js';

/** Class names from `--class-names`: a data set name, a file with one name a line, or a comma list. */
export function classNames(spec: string | undefined): readonly string[] | null {
  if (spec === undefined) return null;
  const key = datasetKey(spec);
  if (key !== null) {
    const names = CLASS_NAMES[key];
    if (names === undefined) throw new UsageError(`--class-names: data set '${spec}' has no built-in class names`);
    return names;
  }
  if (existsSync(spec)) return readFileSync(spec, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  return spec.split(',').map((s) => s.trim());
}

function parseSize(text: string | undefined): [number, number] | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)x(\d+)$/i.exec(text);
  if (m === null || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`--image-size must be HEIGHTxWIDTH (e.g. 28x28); got '${text}'`);
  return [Number(m[1]), Number(m[2])];
}

/** The inputs named on the command line: one .npy, or image files and folders of images. */
async function readInputs(paths: readonly string[], args: ParsedArgs, inputShape: (number | null)[]): Promise<{ x: Tensor; names: string[]; images: boolean }> {
  if (paths.length === 1 && /\.npy$/i.test(paths[0])) {
    const { x } = await loadNpyArrays(paths[0], undefined);
    return { x, names: Array.from({ length: x.shape[0] }, (_, i) => `${basename(paths[0])}[${i}]`), images: false };
  }
  const files: string[] = [];
  for (const p of paths) {
    if (/\.npy$/i.test(p)) throw new UsageError('a .npy input must be the only input');
    if (await isDir(p)) {
      const inDir = await imageFilesIn(p);
      if (inDir.length === 0) throw new InputInvalidError(`folder '${p}' has no image files (png, jpg, bmp, gif, webp, tif)`);
      files.push(...inDir);
    } else {
      await requireReadable(p, 'input');
      files.push(p);
    }
  }
  const geometry = imageGeometry(inputShape, parseSize(stringFlag(args, 'image-size')), choiceFlag(args, 'color-mode', ['grayscale', 'rgb', 'rgba'] as const));
  return { x: await loadImages(files, geometry), names: files, images: true };
}

/** The k best classes of each row of a [N, classes] array. */
export function topK(probs: Float32Array | Int32Array, classes: number, k: number): { index: number; score: number }[][] {
  const rows: { index: number; score: number }[][] = [];
  for (let r = 0; r * classes < probs.length; r++) {
    const row = Array.from(probs.subarray(r * classes, (r + 1) * classes), (score, index) => ({ index, score }));
    rows.push(row.sort((a, b) => b.score - a.score || a.index - b.index).slice(0, k));
  }
  return rows;
}

async function run(args: ParsedArgs): Promise<number> {
  const k = numberFlag(args, 'top-k', { min: 1 }) ?? 1;
  const batchSize = numberFlag(args, 'batch-size', { min: 1 }) ?? 32;
  const rescaleFlag = numberFlag(args, 'rescale', { integer: false });
  const names = classNames(stringFlag(args, 'class-names'));
  const output = stringFlag(args, 'output');
  if (output !== undefined && !/\.npy$/i.test(output)) throw new UsageError(`-o/--output must name a .npy file; got '${output}'`);
  const [modelPath, ...inputs] = args.positionals;
  for (const p of inputs) await requireReadable(p, 'input', 'any');
  const model = await openModel(modelPath);
  const inputShape = singleInputShape(model, 'predict');
  const { x, names: rowNames, images } = await readInputs(inputs, args, inputShape);
  const nt = await loadNeurite();
  const xs = await toModelInput(x, model, rescaleFlag ?? (images ? 1 / 255 : 1), inputs.join(' '));
  note(`predicting ${xs.shape[0]} input${xs.shape[0] === 1 ? '' : 's'} with ${model.name}`);
  const y = model.predict(xs, { batchSize });
  if (Array.isArray(y) && y.length !== 1) throw new InputInvalidError(`model '${model.name}' has ${y.length} outputs; predict prints one`);
  const raw = Array.isArray(y) ? y[0] : (y as Tensor);
  const result = boolFlag(args, 'softmax') ? nt.softmax(raw, -1) : raw;
  if (output !== undefined) {
    await saveNpy(output, result);
    note(`wrote ${output} [${result.shape.join(', ')}]`);
    return 0;
  }
  if (result.rank !== 2) throw new InputInvalidError(`the model output has shape [${result.shape.join(', ')}]; top-k needs [N, classes] (write all outputs with -o out.npy)`);
  const classes = result.shape[1];
  if (names !== null && names.length !== classes) throw new UsageError(`--class-names gives ${names.length} names but the model has ${classes} outputs`);
  const best = topK(result.dataSync(), classes, Math.min(k, classes));
  const rows = best.map((top, i) => ({ input: rowNames[i], top: top.map((t) => ({ class: t.index, ...(names ? { label: names[t.index] } : {}), score: t.score })) }));
  if (boolFlag(args, 'json')) {
    outJson(rows);
    return 0;
  }
  for (const r of rows) out([r.input, ...r.top.map((t) => `${t.label ?? t.class}\t${t.score.toFixed(4)}`)].join('\t'));
  return 0;
}

/** The `predict` command. */
export const predictCommand: Command = {
  name: 'predict',
  summary: 'run a saved model on image files, a folder of images, or a .npy array',
  usage: ['<model> <image…|folder> [options]', '<model> <x.npy> [-o predictions.npy]'],
  description:
    'Images are read as the model input wants them: grayscale, rgb or rgba from its channel count,\n' +
    'resized (bilinear) to its height and width, scaled by --rescale (1/255 by default for images).\n' +
    'A .npy array is fed as it is (cast to float32, reshaped when each sample has the input size).\n' +
    'Prints one line per input on stdout: the input, then the top-k classes and their scores,\n' +
    'tab-separated (the score is the model output: a probability for a softmax model; --softmax\n' +
    'turns logits into probabilities). -o writes all outputs to a .npy file instead.',
  options: {
    'top-k': { type: 'string', value: 'K', help: 'classes to print per input', default: '1' },
    'class-names': { type: 'string', value: 'NAMES', help: 'class names: a data set (fashion_mnist, mnist, cifar10), a file with one name a line, or a comma list' },
    output: { type: 'string', short: 'o', value: 'FILE.npy', help: 'write the outputs [N, …] as float32 .npy instead of printing' },
    softmax: { type: 'boolean', help: 'apply softmax to the outputs (for models that output logits)' },
    rescale: { type: 'string', value: 'F', help: 'multiply inputs by F', default: '1/255 for images, 1 for .npy' },
    'image-size': { type: 'string', value: 'HxW', help: "resize images to this size", default: "the model input's" },
    'color-mode': { type: 'string', value: 'MODE', help: 'grayscale, rgb or rgba', default: "from the model input's channels" },
    'batch-size': { type: 'string', value: 'N', help: 'inputs per forward pass', default: '32' },
    json: { type: 'boolean', help: 'print a JSON array of { input, top: [{ class, label, score }] }' },
  },
  args: { min: 2, max: Infinity, names: '<model> <inputs…>' },
  examples: ['model.h5 shoe.png shirt.png --class-names fashion_mnist', 'model.nw images/ --top-k 3 --json', 'model.h5 x_test.npy -o predictions.npy'],
  run,
};
