/**
 * plotModel: a picture of a model's layer graph (Keras `keras.utils.plot_model`), laid out
 * with dagre and drawn as SVG here; PNG through sharp.
 */
import dagre from '@dagrejs/dagre';
import type { Layer } from '../layers/layer.js';
import { InputLayer } from '../layers/core/input.js';
import { type LayerNode, formatLayerShape } from '../layers/symbolic.js';
import { Model } from '../models/index.js';
import { escapeXml, svgToPng } from './charts.js';

/** plotModel's options (Keras' plot_model arguments, camelCase). */
export interface PlotModelOptions {
  /**
   * Where to write the picture: `.svg` or `.png` (by the extension). Default 'model.png' as
   * in Keras; `null` writes nothing (the SVG text is returned either way).
   */
  readonly toFile?: string | null;
  /** Show each layer's input and output shapes, e.g. `(None, 28, 28, 1)`. Default false. */
  readonly showShapes?: boolean;
  /** Show layer names (else only the class). Default true. */
  readonly showLayerNames?: boolean;
  /** 'TB' (top to bottom, default) or 'LR' (left to right). */
  readonly rankdir?: 'TB' | 'LR';
  /** Resolution of a PNG: 96 (default) gives one pixel per SVG px. */
  readonly dpi?: number;
}

/** What plotModel gives back. */
export interface PlotModelResult {
  /** The SVG document. */
  readonly svg: string;
}

const FONT_SIZE = 13;
/** DejaVu Sans Mono's advance is 0.602 em; a little more keeps text inside its box in any monospace font. */
const CHAR_W = FONT_SIZE * 0.62;
const LINE_H = 20;
const PAD_X = 12;

interface Box {
  readonly id: string;
  readonly layer: Layer;
  readonly title: string;
  readonly input: string;
  readonly output: string;
  width: number;
  height: number;
  labelWidth: number;
}

function shapeText(shapes: readonly string[], wrap: boolean): string {
  if (shapes.length === 0) return '?';
  if (new Set(shapes).size > 1) return 'multiple';
  return wrap ? `[${shapes[0]}]` : shapes[0];
}

/** The input and output shape strings of a layer as Keras 2's plot shows them. */
function layerShapes(layer: Layer, nodes: readonly LayerNode[]): { input: string; output: string } {
  const mine = nodes.filter((n) => n.layer === layer);
  const outs = mine.map((n) => (n.outputs.length === 1 ? formatLayerShape(n.outputs[0].shape) : `[${n.outputs.map((o) => formatLayerShape(o.shape)).join(', ')}]`));
  if (layer instanceof InputLayer) {
    const o = shapeText(outs, true);
    return { input: o, output: o };
  }
  const ins = mine.map((n) => (n.single && n.inputs.length === 1 ? formatLayerShape(n.inputs[0].shape) : `[${n.inputs.map((t) => formatLayerShape(t.shape)).join(', ')}]`));
  return { input: shapeText(ins, false), output: shapeText(outs, false) };
}

function checkOptions(options: PlotModelOptions): void {
  const { toFile, rankdir, dpi } = options;
  if (toFile !== undefined && toFile !== null && (typeof toFile !== 'string' || !/\.(svg|png)$/i.test(toFile))) {
    throw new RangeError(`plotModel: toFile must end in .svg or .png (or be null to write nothing); got ${JSON.stringify(toFile)}`);
  }
  if (rankdir !== undefined && rankdir !== 'TB' && rankdir !== 'LR') throw new RangeError(`plotModel: rankdir must be 'TB' or 'LR'; got ${JSON.stringify(rankdir)}`);
  if (dpi !== undefined && !(typeof dpi === 'number' && Number.isFinite(dpi) && dpi > 0)) throw new RangeError(`plotModel: dpi must be a positive number; got ${String(dpi)}`);
}

function makeBoxes(model: Model, showShapes: boolean, showLayerNames: boolean): Box[] {
  const nodes = model.graphNodes;
  const layers: Layer[] = [];
  for (const n of nodes) if (!layers.includes(n.layer)) layers.push(n.layer);
  return layers.map((layer, i) => {
    const title = showLayerNames ? `${layer.name}: ${layer.getClassName()}` : layer.getClassName();
    const { input, output } = showShapes ? layerShapes(layer, nodes) : { input: '', output: '' };
    const labelWidth = showShapes ? 'output:'.length * CHAR_W + 2 * PAD_X : 0;
    const textWidth = Math.max(title.length * CHAR_W + 2 * PAD_X, showShapes ? labelWidth + Math.max(input.length, output.length) * CHAR_W + 2 * PAD_X : 0);
    return { id: `n${i}`, layer, title, input, output, width: Math.ceil(Math.max(80, textWidth)), height: showShapes ? 3 * LINE_H + 8 : LINE_H + 16, labelWidth };
  });
}

const r1 = (v: number): string => String(Math.round(v * 10) / 10);

function boxSvg(b: Box, x: number, y: number, showShapes: boolean): string {
  const left = x - b.width / 2;
  const top = y - b.height / 2;
  const out = [`<g class="node" id="${b.id}" data-layer="${escapeXml(b.layer.name)}" data-class="${escapeXml(b.layer.getClassName())}">`];
  out.push(`<rect x="${r1(left)}" y="${r1(top)}" width="${b.width}" height="${b.height}" rx="4" fill="#ffffff" stroke="#333" stroke-width="1.2"/>`);
  if (!showShapes) {
    out.push(`<text class="title" x="${r1(x)}" y="${r1(y + FONT_SIZE * 0.35)}" text-anchor="middle">${escapeXml(b.title)}</text></g>`);
    return out.join('');
  }
  const row1 = top + LINE_H + 4;
  const row2 = row1 + LINE_H;
  const split = left + b.labelWidth;
  out.push(`<text class="title" x="${r1(x)}" y="${r1(top + LINE_H - 2)}" text-anchor="middle">${escapeXml(b.title)}</text>`);
  out.push(`<path d="M${r1(left)} ${r1(row1)}H${r1(left + b.width)}M${r1(left)} ${r1(row2)}H${r1(left + b.width)}M${r1(split)} ${r1(row1)}V${r1(top + b.height)}" stroke="#333" stroke-width="1" fill="none"/>`);
  const cx = (split + left + b.width) / 2;
  out.push(`<text x="${r1(left + PAD_X)}" y="${r1(row1 + LINE_H - 6)}">input:</text><text class="input-shape" x="${r1(cx)}" y="${r1(row1 + LINE_H - 6)}" text-anchor="middle">${escapeXml(b.input)}</text>`);
  out.push(`<text x="${r1(left + PAD_X)}" y="${r1(row2 + LINE_H - 4)}">output:</text><text class="output-shape" x="${r1(cx)}" y="${r1(row2 + LINE_H - 4)}" text-anchor="middle">${escapeXml(b.output)}</text></g>`);
  return out.join('');
}

/**
 * The SVG picture of a model's layer graph (Keras `plot_model`): one box per layer with its
 * name and class (`dense_1: Dense`), with `showShapes` the input and output shapes as Keras
 * writes them (`(None, 28, 28, 1)`; an InputLayer's as `[(None, 28, 28, 1)]`), and one arrow
 * per connection. Functional models keep their branches, merges and several outputs; a
 * nested model is one box (class Functional or Sequential); a shared layer is one box with
 * an arrow per use. Each box is `<g class="node" data-layer="NAME" data-class="CLASS">`, each
 * arrow `<path class="edge" data-from="NAME" data-to="NAME">`.
 */
export function modelToSvg(model: Model, options: Omit<PlotModelOptions, 'toFile' | 'dpi'> = {}): string {
  if (!(model instanceof Model)) throw new TypeError('plotModel: model must be a Neurite Model (Sequential or functional)');
  checkOptions(options);
  if (!model.isGraphBuilt) throw new Error(`plotModel: model ${model.name} has no graph yet; give its first layer an inputShape or call model.build([null, ...shape])`);
  const showShapes = options.showShapes ?? false;
  const boxes = makeBoxes(model, showShapes, options.showLayerNames ?? true);
  const byLayer = new Map(boxes.map((b) => [b.layer, b]));
  const g = new dagre.graphlib.Graph<{ rankdir: string; nodesep: number; ranksep: number; marginx: number; marginy: number; width?: number; height?: number }, { width: number; height: number; x?: number; y?: number }, { points?: { x: number; y: number }[] }>();
  g.setGraph({ rankdir: options.rankdir ?? 'TB', nodesep: 28, ranksep: 36, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const b of boxes) g.setNode(b.id, { width: b.width, height: b.height });
  const edges: [Box, Box][] = [];
  for (const n of model.graphNodes) {
    const to = byLayer.get(n.layer) as Box;
    for (const t of n.inputs) {
      const from = byLayer.get(t.node.layer) as Box;
      if (!edges.some(([a, b]) => a === from && b === to)) edges.push([from, to]);
      g.setEdge(from.id, to.id);
    }
  }
  dagre.layout(g);
  const width = Math.ceil(g.graph().width ?? 100);
  const height = Math.ceil(g.graph().height ?? 100);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Liberation Mono, monospace" font-size="${FONT_SIZE}" data-model="${escapeXml(model.name)}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#333"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    '<g class="edges">',
  ];
  for (const [from, to] of edges) {
    const pts: readonly { x: number; y: number }[] = g.edge(from.id, to.id).points ?? [];
    const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${r1(p.x)} ${r1(p.y)}`).join('');
    out.push(`<path class="edge" data-from="${escapeXml(from.layer.name)}" data-to="${escapeXml(to.layer.name)}" d="${d}" fill="none" stroke="#333" stroke-width="1.2" marker-end="url(#arrow)"/>`);
  }
  out.push('</g><g class="nodes">');
  for (const b of boxes) {
    const n = g.node(b.id);
    out.push(boxSvg(b, n.x ?? 0, n.y ?? 0, showShapes));
  }
  out.push('</g></svg>\n');
  return out.join('');
}

/**
 * Draws a model's layer graph (Keras `keras.utils.plot_model`) and writes it to `toFile`
 * (default 'model.png'; `.svg` or `.png` by the extension; null writes nothing). Returns
 * the SVG text. See {@link modelToSvg} for what the picture holds.
 *
 * ```ts
 * await nt.utils.plotModel(model, { toFile: 'model.png', showShapes: true, rankdir: 'LR' });
 * ```
 */
export async function plotModel(model: Model, options: PlotModelOptions = {}): Promise<PlotModelResult> {
  checkOptions(options);
  const svg = modelToSvg(model, options);
  const file = options.toFile === undefined ? 'model.png' : options.toFile;
  if (file !== null) {
    const fs = await import('node:fs/promises');
    const { dirname } = await import('node:path');
    await fs.mkdir(dirname(file), { recursive: true });
    await fs.writeFile(file, /\.svg$/i.test(file) ? svg : await svgToPng(svg, options.dpi ?? 96));
  }
  return { svg };
}
