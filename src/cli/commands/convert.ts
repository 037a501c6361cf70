/** `neurite convert <in> <out>`: between Keras .h5, the native file, the web format and TensorFlow.js layers models. */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, stringFlag } from '../command.js';
import { UsageError } from '../errors.js';
import { loadNeurite, note, openModel, outJson } from '../util.js';

/** The format a path's extension selects. */
export function formatOf(path: string): 'h5' | 'keras' | 'web' | 'onnx' | 'native' {
  if (/\.keras$/i.test(path)) return 'keras';
  if (/\.(h5|hdf5)$/i.test(path)) return 'h5';
  if (/\.json$/i.test(path)) return 'web';
  if (/\.onnx$/i.test(path)) return 'onnx';
  return 'native';
}

/** A .json model is Neurite's web format or a TensorFlow.js layers model: its keys tell. */
async function jsonKind(path: string): Promise<'web' | 'tfjs'> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    return json !== null && typeof json === 'object' && 'modelTopology' in json ? 'tfjs' : 'web';
  } catch {
    return 'web'; // loading reports what is wrong with it
  }
}

async function run(args: ParsedArgs): Promise<number> {
  const [input, output] = args.positionals;
  const tfjs = boolFlag(args, 'tfjs');
  const quantize = stringFlag(args, 'quantize');
  if (quantize !== undefined && !['uint8', 'uint16', 'float16'].includes(quantize)) throw new UsageError(`--quantize must be uint8, uint16 or float16; got '${quantize}'`);
  if (quantize !== undefined && !tfjs) throw new UsageError('--quantize applies to --tfjs output');
  let from: string = formatOf(input);
  if (from === 'web' && !/^https?:/i.test(input)) from = await jsonKind(input);
  const to = tfjs ? 'tfjs' : formatOf(output);
  if (from === 'onnx') throw new UsageError(`'${input}': ONNX files cannot be read back into neurite models (export only)`);
  if (resolve(input) === resolve(output)) throw new UsageError('the output path is the input path');
  const model = await openModel(input);
  await mkdir(dirname(resolve(output)), { recursive: true });
  if (to === 'onnx') {
    const nt = await loadNeurite();
    await nt.io.exportOnnx(model, output);
  } else if (tfjs) {
    await model.save(output, { format: 'tfjs', quantize: (quantize ?? null) as 'uint8' | 'uint16' | 'float16' | null });
  } else {
    await model.save(output);
  }
  if (boolFlag(args, 'json')) outJson({ input, output, from, to, params: model.countParams() });
  else note(`${input} (${from}) → ${output} (${to}): ${model.countParams()} parameters`);
  return 0;
}

/** The `convert` command. */
export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert a model between Keras .h5, the native .nw file, the web format and TensorFlow.js (model.json)',
  usage: ['<input> <output>'],
  description:
    'Loads <input> and saves it as <output>; the extensions choose the formats:\n' +
    "  .h5 / .hdf5   Keras 2's HDF5 layout (Python's keras.models.load_model reads it)\n" +
    "  .keras        Keras 3's archive (metadata.json, config.json, model.weights.h5)\n" +
    '  .json         the web format: model.json plus model.weights.bin beside it; as input\n' +
    '                also a TensorFlow.js layers model (model.json with its shards)\n' +
    '  --tfjs        write a TensorFlow.js layers model: <output> a folder or a .json file\n' +
    '                (tf.loadLayersModel reads it); --quantize uint8|uint16|float16\n' +
    '  .onnx         ONNX (output only; the same as `neurite export --onnx`)\n' +
    '  anything else the native single-file format (by convention .nw)\n' +
    'The architecture and the weights are kept; a compiled .h5 keeps its training config.',
  options: {
    json: { type: 'boolean', help: 'print what was converted as JSON on stdout' },
    tfjs: { type: 'boolean', help: 'write a TensorFlow.js layers model (a folder or model.json)' },
    quantize: { type: 'string', value: 'DTYPE', help: 'with --tfjs: store the weights as uint8, uint16 or float16' },
  },
  args: { min: 2, max: 2, names: '<input> <output>' },
  examples: ['model.h5 model.nw', 'model.nw web/model.json', 'web/model.json back.h5', 'model.h5 tfjs-model --tfjs', 'tfjs-model/model.json model.h5'],
  run,
};
