/** `neurite plot <model> -o file.png|svg`: a picture of the layer graph (Keras' plot_model). */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, choiceFlag, numberFlag, stringFlag } from '../command.js';
import { UsageError } from '../errors.js';
import { note, openModel, out } from '../util.js';

async function run(args: ParsedArgs): Promise<number> {
  const output = stringFlag(args, 'output');
  if (output !== undefined && !/\.(png|svg)$/i.test(output)) throw new UsageError(`-o/--output must end in .png or .svg; got '${output}'`);
  const rankdir = choiceFlag(args, 'rankdir', ['TB', 'LR'] as const) ?? 'TB';
  const dpi = numberFlag(args, 'dpi', { min: 10, max: 1200 });
  const model = await openModel(args.positionals[0]);
  const { plotModel } = await import('../../viz/plot-model.js');
  if (output !== undefined) await mkdir(dirname(resolve(output)), { recursive: true });
  const { svg } = await plotModel(model, { toFile: output ?? null, showShapes: boolFlag(args, 'show-shapes'), showLayerNames: !boolFlag(args, 'no-layer-names'), rankdir, dpi });
  if (output === undefined) out(svg);
  else note(`wrote ${output}`);
  return 0;
}

/** The `plot` command. */
export const plotCommand: Command = {
  name: 'plot',
  summary: "draw a saved model's layer graph as PNG or SVG (Keras' plot_model)",
  usage: ['<model> -o <file.png|file.svg> [--show-shapes] [--no-layer-names] [--rankdir TB|LR]', '<model> > model.svg'],
  description:
    "Draws the model's layers as boxes joined by arrows, as Keras' plot_model does. The output\n" +
    'format follows the extension of -o; without -o the SVG document is printed on stdout.',
  options: {
    output: { type: 'string', short: 'o', value: 'FILE', help: 'the .png or .svg file to write', default: 'SVG on stdout' },
    'show-shapes': { type: 'boolean', help: "show each layer's input and output shapes" },
    'no-layer-names': { type: 'boolean', help: 'show only the layer classes, not their names' },
    rankdir: { type: 'string', value: 'DIR', help: 'TB (top to bottom) or LR (left to right)', default: 'TB' },
    dpi: { type: 'string', value: 'N', help: 'resolution of a PNG', default: '96' },
  },
  args: { min: 1, max: 1, names: '<model>' },
  examples: ['model.h5 -o model.png --show-shapes', 'model.nw -o model.svg --rankdir LR'],
  run,
};
