import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as nt from '../src/index.js';

interface NodeBox {
  readonly name: string;
  readonly cls: string;
  readonly title: string;
  readonly input: string | null;
  readonly output: string | null;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The boxes of a plotModel SVG: name, class, texts and the rectangle. */
function nodes(svg: string): NodeBox[] {
  const out: NodeBox[] = [];
  for (const m of svg.matchAll(/<g class="node" id="[^"]+" data-layer="([^"]*)" data-class="([^"]*)">(.*?)<\/g>/g)) {
    const body = m[3];
    const rect = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(body);
    assert.ok(rect, `box of ${m[1]}`);
    const text = (cls: string): string | null => {
      const t = new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`).exec(body);
      return t ? unescape(t[1]) : null;
    };
    out.push({ name: unescape(m[1]), cls: m[2], title: text('title') as string, input: text('input-shape'), output: text('output-shape'), x: +rect[1], y: +rect[2], w: +rect[3], h: +rect[4] });
  }
  return out;
}

interface EdgePath {
  readonly from: string;
  readonly to: string;
  readonly points: [number, number][];
}

function edges(svg: string): EdgePath[] {
  return [...svg.matchAll(/<path class="edge" data-from="([^"]*)" data-to="([^"]*)" d="([^"]*)"/g)].map((m) => ({
    from: m[1],
    to: m[2],
    points: [...m[3].matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((p) => [+p[1], +p[2]] as [number, number]),
  }));
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg);
  assert.ok(m, 'svg has a size');
  return { width: +m[1], height: +m[2] };
}

/** Whether a point lies on or near the rectangle's border (arrows start and end there). */
function nearBorder(p: [number, number], b: NodeBox, tol = 2): boolean {
  const inX = p[0] >= b.x - tol && p[0] <= b.x + b.w + tol;
  const inY = p[1] >= b.y - tol && p[1] <= b.y + b.h + tol;
  const onEdge = Math.abs(p[0] - b.x) <= tol || Math.abs(p[0] - b.x - b.w) <= tol || Math.abs(p[1] - b.y) <= tol || Math.abs(p[1] - b.y - b.h) <= tol;
  return inX && inY && onEdge;
}

function sequentialModel(): nt.Sequential {
  return new nt.Sequential({
    name: 'chain',
    layers: [
      new nt.Conv2D({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], name: 'conv' }),
      new nt.MaxPooling2D({ poolSize: 2, name: 'pool' }),
      new nt.Flatten({ name: 'flat' }),
      new nt.Dense({ units: 10, activation: 'softmax', name: 'out' }),
    ],
  });
}

/** Input → two Dense branches → Add → Concatenate with a branch → Dense; a second output through a nested Sequential. */
function branchModel(): nt.Model {
  const inp = nt.Input({ shape: [8], name: 'features' });
  const left = new nt.Dense({ units: 4, name: 'left' }).apply(inp) as nt.SymbolicTensor;
  const right = new nt.Dense({ units: 4, name: 'right' }).apply(inp) as nt.SymbolicTensor;
  const sum = new nt.Add({ name: 'merge' }).apply([left, right]) as nt.SymbolicTensor;
  const cat = new nt.Concatenate({ name: 'cat' }).apply([sum, left]) as nt.SymbolicTensor;
  const out1 = new nt.Dense({ units: 2, name: 'out1' }).apply(cat) as nt.SymbolicTensor;
  const inner = new nt.Sequential({ name: 'inner', layers: [new nt.Dense({ units: 5, inputShape: [4], name: 'inner_dense' }), new nt.Dense({ units: 3, name: 'inner_out' })] });
  const out2 = inner.apply(sum) as nt.SymbolicTensor;
  return new nt.Model({ inputs: inp, outputs: [out1, out2], name: 'branches' });
}

test('plotModel draws a Sequential model as a chain: one box per layer (Keras shows the InputLayer), arrows between neighbours', async () => {
  const { svg } = await nt.viz.plotModel(sequentialModel(), { toFile: null });
  const boxes = nodes(svg);
  assert.deepEqual(
    boxes.map((b) => [b.name, b.cls, b.title]),
    [
      ['conv_input', 'InputLayer', 'conv_input: InputLayer'],
      ['conv', 'Conv2D', 'conv: Conv2D'],
      ['pool', 'MaxPooling2D', 'pool: MaxPooling2D'],
      ['flat', 'Flatten', 'flat: Flatten'],
      ['out', 'Dense', 'out: Dense'],
    ],
  );
  assert.deepEqual(
    edges(svg).map((e) => [e.from, e.to]),
    [
      ['conv_input', 'conv'],
      ['conv', 'pool'],
      ['pool', 'flat'],
      ['flat', 'out'],
    ],
  );
  assert.ok(boxes.every((b) => b.input === null && b.output === null), 'no shapes without showShapes');
  // Top to bottom: each box lies below the previous one, centred on one column.
  for (let i = 1; i < boxes.length; i++) {
    assert.ok(boxes[i].y > boxes[i - 1].y + boxes[i - 1].h, `${boxes[i].name} below ${boxes[i - 1].name}`);
    assert.ok(Math.abs(boxes[i].x + boxes[i].w / 2 - (boxes[0].x + boxes[0].w / 2)) < 1);
  }
  const { svg: bare } = await nt.viz.plotModel(sequentialModel(), { toFile: null, showLayerNames: false });
  assert.deepEqual(nodes(bare).map((b) => b.title), ['InputLayer', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense']);
});

test('showShapes writes input and output shapes as Keras does: (None, 26, 26, 4), InputLayer as [(None, 28, 28, 1)]', async () => {
  const { svg } = await nt.utils.plotModel(sequentialModel(), { toFile: null, showShapes: true });
  // Conv 3×3 valid: 28 → 26; pooling 2: 26 → 13; flatten: 13·13·4 = 676.
  assert.deepEqual(
    nodes(svg).map((b) => [b.name, b.input, b.output]),
    [
      ['conv_input', '[(None, 28, 28, 1)]', '[(None, 28, 28, 1)]'],
      ['conv', '(None, 28, 28, 1)', '(None, 26, 26, 4)'],
      ['pool', '(None, 26, 26, 4)', '(None, 13, 13, 4)'],
      ['flat', '(None, 13, 13, 4)', '(None, 676)'],
      ['out', '(None, 676)', '(None, 10)'],
    ],
  );
  // Every box is wide enough for its longest text at the monospace advance (0.602 em of 13 px).
  for (const b of nodes(svg)) assert.ok(b.w >= Math.max(b.title.length, 'output:'.length + (b.output ?? '').length) * 13 * 0.602, `${b.name} width ${b.w}`);
});

test('a functional model keeps its branches, merges and two outputs; a nested model is one box', async () => {
  const model = branchModel();
  const { svg } = await nt.viz.plotModel(model, { toFile: null, showShapes: true });
  const boxes = nodes(svg);
  const byName = new Map(boxes.map((b) => [b.name, b]));
  assert.deepEqual([...byName.keys()].sort(), ['cat', 'features', 'inner', 'left', 'merge', 'out1', 'right'].sort());
  assert.equal(boxes.length, 7, 'one box per layer');
  assert.equal(byName.get('inner')?.cls, 'Sequential');
  assert.ok(!svg.includes('inner_dense'), "the nested model's layers are not drawn");
  const es = edges(svg);
  assert.deepEqual(
    es.map((e) => `${e.from}->${e.to}`).sort(),
    ['features->left', 'features->right', 'left->merge', 'right->merge', 'merge->cat', 'left->cat', 'cat->out1', 'merge->inner'].sort(),
  );
  assert.equal(byName.get('merge')?.input, '[(None, 4), (None, 4)]');
  assert.equal(byName.get('merge')?.output, '(None, 4)');
  assert.equal(byName.get('cat')?.output, '(None, 8)');
  assert.equal(byName.get('inner')?.input, '(None, 4)');
  assert.equal(byName.get('inner')?.output, '(None, 3)');
  // Arrows run from the source box's border to the target box's border, downwards.
  for (const e of es) {
    const [from, to] = [byName.get(e.from) as NodeBox, byName.get(e.to) as NodeBox];
    assert.ok(nearBorder(e.points[0], from), `${e.from}->${e.to} starts on ${e.from}: ${JSON.stringify(e.points[0])}`);
    assert.ok(nearBorder(e.points[e.points.length - 1], to), `${e.from}->${e.to} ends on ${e.to}: ${JSON.stringify(e.points.at(-1))}`);
    assert.ok(to.y > from.y, `${e.to} lies below ${e.from}`);
  }
  // Boxes do not overlap.
  for (const a of boxes) for (const b of boxes) if (a !== b) assert.ok(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y, `${a.name} and ${b.name} overlap`);
});

test("rankdir 'LR' lays the graph out left to right", async () => {
  const tb = await nt.viz.plotModel(sequentialModel(), { toFile: null });
  const lr = await nt.viz.plotModel(sequentialModel(), { toFile: null, rankdir: 'LR' });
  const [a, b] = [nodes(tb.svg), nodes(lr.svg)];
  for (let i = 1; i < b.length; i++) {
    assert.ok(b[i].x > b[i - 1].x + b[i - 1].w, `LR: ${b[i].name} right of ${b[i - 1].name}`);
    assert.ok(Math.abs(b[i].y + b[i].h / 2 - (b[0].y + b[0].h / 2)) < 1, 'LR: one row');
  }
  const [sa, sb] = [svgSize(tb.svg), svgSize(lr.svg)];
  assert.ok(sa.height > sa.width && sb.width > sb.height, `TB ${sa.width}×${sa.height}, LR ${sb.width}×${sb.height}`);
  assert.deepEqual(a.map((n) => n.name), b.map((n) => n.name));
  const branch = nodes((await nt.viz.plotModel(branchModel(), { toFile: null, rankdir: 'LR' })).svg);
  const at = new Map(branch.map((n) => [n.name, n]));
  assert.ok((at.get('merge') as NodeBox).x > (at.get('left') as NodeBox).x + (at.get('left') as NodeBox).w);
});

test('plotModel writes PNG (by extension, sized by dpi) and SVG files; bad arguments are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-plot-'));
  try {
    const model = branchModel();
    const png = join(dir, 'sub', 'model.png');
    const { svg } = await nt.viz.plotModel(model, { toFile: png, showShapes: true });
    const bytes = readFileSync(png);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    const meta = await sharp(bytes).metadata();
    const size = svgSize(svg);
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, size.width);
    assert.equal(meta.height, size.height);
    const stats = await sharp(bytes).stats();
    assert.ok(stats.channels[0].min < 80 && stats.channels[0].max === 255, 'dark text and lines on white');
    const png2 = join(dir, 'model@2x.png');
    await nt.viz.plotModel(model, { toFile: png2, showShapes: true, dpi: 192 });
    const meta2 = await sharp(readFileSync(png2)).metadata();
    assert.ok(Math.abs((meta2.width as number) - 2 * size.width) <= 1 && Math.abs((meta2.height as number) - 2 * size.height) <= 1, `dpi 192: ${meta2.width}×${meta2.height}`);
    const svgFile = join(dir, 'model.svg');
    const r = await nt.viz.plotModel(model, { toFile: svgFile });
    assert.equal(readFileSync(svgFile, 'utf8'), r.svg);
    await assert.rejects(nt.viz.plotModel(model, { toFile: join(dir, 'model.jpg') }), /toFile must end in \.svg or \.png/);
    await assert.rejects(nt.viz.plotModel(model, { toFile: null, rankdir: 'BT' as 'TB' }), /rankdir must be 'TB' or 'LR'/);
    await assert.rejects(nt.viz.plotModel(model, { toFile: null, dpi: 0 }), /dpi must be a positive number/);
    await assert.rejects(nt.viz.plotModel(new nt.Sequential([new nt.Dense({ units: 2 })]), { toFile: null }), /has no graph yet/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
