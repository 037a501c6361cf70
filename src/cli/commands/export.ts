/** `neurite export --onnx <model> -o out.onnx`: ONNX export of a saved model. */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, numberFlag, stringFlag } from '../command.js';
import { InputInvalidError, UsageError } from '../errors.js';
import { loadNeurite, messageOf, note, openModel, outJson } from '../util.js';

async function run(args: ParsedArgs): Promise<number> {
  const output = stringFlag(args, 'output');
  if (output === undefined) throw new UsageError('missing -o/--output FILE.onnx');
  if (!/\.onnx$/i.test(output) && !boolFlag(args, 'onnx')) throw new UsageError(`cannot tell the format of '${output}': pass --onnx or name the output *.onnx`);
  const nt = await loadNeurite();
  const opset = numberFlag(args, 'opset', { min: nt.io.ONNX_MIN_OPSET, max: nt.io.ONNX_MAX_OPSET });
  const batchSize = numberFlag(args, 'batch-size', { min: 1 });
  const model = await openModel(args.positionals[0]);
  await mkdir(dirname(resolve(output)), { recursive: true });
  try {
    await nt.io.exportOnnx(model, output, { opset, batchSize, inputName: stringFlag(args, 'input-name'), outputName: stringFlag(args, 'output-name') });
  } catch (e) {
    throw new InputInvalidError(`cannot export '${args.positionals[0]}' to ONNX: ${messageOf(e)}`);
  }
  const info = { model: args.positionals[0], output, opset: opset ?? nt.io.ONNX_MIN_OPSET };
  if (boolFlag(args, 'json')) outJson(info);
  else note(`wrote ${output} (ONNX opset ${info.opset})`);
  return 0;
}

/** The `export` command. */
export const exportCommand: Command = {
  name: 'export',
  summary: 'export a saved model to ONNX',
  usage: ['--onnx <model> -o <out.onnx> [--opset N]'],
  description:
    'Writes <model> (any format `neurite convert` reads) as an ONNX file that onnxruntime and other\n' +
    'ONNX runtimes run. The batch dimension is dynamic unless --batch-size fixes it. A layer the\n' +
    'exporter does not convert is an error that names it (exit code 4); docs/onnx.md lists them.',
  options: {
    onnx: { type: 'boolean', help: 'export to ONNX (the only export format; implied by an .onnx output)' },
    output: { type: 'string', short: 'o', value: 'FILE', help: 'the .onnx file to write (required)' },
    opset: { type: 'string', value: 'N', help: 'ONNX opset, 13 to 21', default: '13' },
    'batch-size': { type: 'string', value: 'N', help: 'a fixed batch dimension', default: "dynamic ('N')" },
    'input-name': { type: 'string', value: 'NAME', help: 'the graph input name', default: "the model's input layer name" },
    'output-name': { type: 'string', value: 'NAME', help: 'the graph output name', default: 'the output layer name' },
    json: { type: 'boolean', help: 'print what was written as JSON on stdout' },
  },
  args: { min: 1, max: 1, names: '<model>' },
  examples: ['--onnx model.h5 -o model.onnx', '--onnx model.nw -o model.onnx --opset 17'],
  run,
};
