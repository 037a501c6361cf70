/** `neurite summary <model>`: Keras' summary table of a saved model, or its facts as JSON. */
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, numberFlag } from '../command.js';
import { openModel, out, outJson } from '../util.js';

async function run(args: ParsedArgs): Promise<number> {
  const lineLength = numberFlag(args, 'line-length', { min: 40, max: 400 });
  const model = await openModel(args.positionals[0]);
  if (!boolFlag(args, 'json')) {
    out(model.summary({ lineLength, printFn: () => undefined }));
    return 0;
  }
  const size = (ws: readonly { size: number }[]): number => ws.reduce((s, w) => s + w.size, 0);
  const trainable = size(model.trainableWeights);
  const nonTrainable = size(model.nonTrainableWeights);
  outJson({
    name: model.name,
    className: model.getClassName(),
    inputShapes: model.inputs.map((t) => t.shape),
    outputShapes: model.outputs.map((t) => t.shape),
    layers: model.layers.map((l) => ({ name: l.name, className: l.getClassName(), params: l.built ? l.countParams() : 0, trainable: l.trainable })),
    totalParams: trainable + nonTrainable,
    trainableParams: trainable,
    nonTrainableParams: nonTrainable,
    compiled: model.compileArgs !== null,
  });
  return 0;
}

/** The `summary` command. */
export const summaryCommand: Command = {
  name: 'summary',
  summary: "print a saved model's layers, output shapes and parameter counts",
  usage: ['<model> [--json] [--line-length N]'],
  description:
    "Loads a model (Keras .h5/.hdf5, a native .nw file, or a web-format model.json) and prints Keras'\n" +
    'summary table: layers, output shapes, parameter counts, then total, trainable and non-trainable\n' +
    'parameters. With --json it prints the same facts as one JSON object.',
  options: {
    json: { type: 'boolean', help: 'print a JSON object instead of the table' },
    'line-length': { type: 'string', value: 'N', help: 'width of the table', default: "65, or 98 for non-sequential graphs (Keras')" },
  },
  args: { min: 1, max: 1, names: '<model>' },
  examples: ['model.h5', 'web/model.json --json'],
  run,
};
