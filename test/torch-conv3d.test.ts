/**
 * The 3-D and extra 1-D convolution families against PyTorch (python3-torch, run with
 * /usr/bin/python3) on the same values: conv3d, conv_transpose3d, conv_transpose1d, the
 * depthwise/separable 1-D convolutions (grouped conv1d) and max/avg_pool3d, forward values
 * and the gradients with respect to the input and the kernel. Layouts are permuted on the
 * Python side: NDHWC → NCDHW, Keras kernels [kD, kH, kW, in, out] → [out, in, kD, kH, kW]
 * (transposed: [kD, kH, kW, out, in] → [in, out, kD, kH, kW]). Keras' 'same' rule
 * (out = ceil(in / stride), the odd padding cell at the end) is written as explicit F.pad;
 * the transposed convolutions run "full" in PyTorch and are cropped to Keras' output size.
 * Also: a Conv3D model saved as Keras .h5 loads back, and PyTorch computing from the
 * kernel that h5py reads out of the file gives Neurite's prediction. ONNX export refuses
 * the new layers with an error naming the layer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as nt from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { toOnnxBytes } from '../src/io/onnx/index.js';
import { randn } from './helpers/gradcheck.js';
import { unavailable } from './helpers/oracle.js';

const PYTHON = '/usr/bin/python3';
const torchMissing = ((): string | null => {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  return spawnSync(PYTHON, ['-c', 'import torch, h5py'], { encoding: 'utf8' }).status === 0 ? null : 'python3-torch or python3-h5py is not installed (scripts/setup.sh installs them)';
})();

const ORACLE = String.raw`
import sys, json, math
import torch
import torch.nn.functional as F
torch.set_default_dtype(torch.float64)

def keras_pads(sizes, k, s, d, padding):
    # F.pad order: last axis first.
    pads = []
    for n, kk, ss, dd in zip(sizes, k, s, d):
        if padding == 'valid':
            pads.append((0, 0)); continue
        out = -(-n // ss)
        total = max((out - 1) * ss + (kk - 1) * dd + 1 - n, 0)
        pads.append((total // 2, total - total // 2))
    return [p for pair in reversed(pads) for p in pair]

def t(v, shape):
    return torch.tensor(v, dtype=torch.float64).reshape(shape)

def crop_full(full, outs, befores, rank):
    # full: [N, C, *spatial]; crop [before, before + out) per axis, zeros past the end.
    for i in range(rank):
        axis = 2 + i
        have = full.shape[axis] - befores[i]
        full = full.narrow(axis, befores[i], min(have, outs[i]))
        if have < outs[i]:
            shape = list(full.shape); shape[axis] = outs[i] - have
            full = torch.cat([full, torch.zeros(shape)], axis)
    return full

def keras_deconv_len(n, k, s, d, padding, op):
    dk = (k - 1) * d + 1
    if op is None:
        return n * s if padding == 'same' else n * s + max(dk - s, 0)
    pad = dk // 2 if padding == 'same' else 0
    return (n - 1) * s + dk - 2 * pad + op

def run(c):
    rank = c['rank']
    x = t(c['x'], c['xshape']).requires_grad_(True)
    w = t(c['w'], c['wshape']).requires_grad_(True) if 'w' in c else None
    xc = x.permute(0, rank + 1, *range(1, rank + 1))  # channels last -> first
    kind = c['kind']
    s, d, k = c['strides'], c['dilations'], c['k']
    if kind == 'conv':
        wt = w.permute(rank + 1, rank, *range(rank))
        xp = F.pad(xc, keras_pads(c['xshape'][1:-1], k, s, d, c['padding']))
        conv = F.conv3d if rank == 3 else F.conv1d
        y = conv(xp, wt, stride=s, dilation=d, groups=c['groups'])
    elif kind == 'transpose':
        wt = w.permute(rank + 1, rank, *range(rank))
        convt = F.conv_transpose3d if rank == 3 else F.conv_transpose1d
        full = convt(xc, wt, stride=s, dilation=d)
        ins = c['xshape'][1:-1]
        op = c['output_padding']
        outs = [keras_deconv_len(ins[i], k[i], s[i], d[i], c['padding'], None if op is None else op[i]) for i in range(rank)]
        befores = []
        for i in range(rank):
            dk = (k[i] - 1) * d[i] + 1
            befores.append(max((ins[i] - 1) * s[i] + dk - outs[i], 0) // 2 if c['padding'] == 'same' else 0)
        y = crop_full(full, outs, befores, rank)
    elif kind == 'depthwise':
        # Keras depthwise kernel [k, C, M]: output channel c*M + m, a conv1d with C groups.
        kk, C, M = c['wshape']
        wt = w.permute(1, 2, 0).reshape(C * M, 1, kk)
        xp = F.pad(xc, keras_pads(c['xshape'][1:-1], k, s, d, c['padding']))
        y = F.conv1d(xp, wt, stride=s, dilation=d, groups=C)
        if 'pw' in c:
            pw = t(c['pw'], c['pwshape']).requires_grad_(True)
            y = F.conv1d(y, pw[0].t().unsqueeze(-1))
    else:
        ins = c['xshape'][1:-1]
        pads = keras_pads(ins, k, s, [1, 1, 1], c['padding'])
        if kind == 'maxpool':
            y = F.max_pool3d(F.pad(xc, pads, value=-math.inf), k, s)
        else:
            ssum = F.avg_pool3d(F.pad(xc, pads), k, s) * (k[0] * k[1] * k[2])
            count = F.avg_pool3d(F.pad(torch.ones_like(xc), pads), k, s) * (k[0] * k[1] * k[2])
            y = ssum / count
    y = y.permute(0, *range(2, rank + 2), 1)  # channels first -> last
    r = t(c['r'], list(y.shape))
    (y * r).sum().backward()
    out = {'y': y.detach().reshape(-1).tolist(), 'shape': list(y.shape), 'gx': x.grad.reshape(-1).tolist()}
    if w is not None:
        out['gw'] = w.grad.reshape(-1).tolist()
    return out

cases = json.load(sys.stdin)
print(json.dumps([run(c) for c in cases]))
`;

interface Case {
  readonly name: string;
  readonly kind: 'conv' | 'transpose' | 'depthwise' | 'maxpool' | 'avgpool';
  readonly rank: 1 | 3;
  readonly x: Tensor;
  readonly w?: Tensor;
  readonly pw?: Tensor;
  readonly k: number[];
  readonly strides: number[];
  readonly dilations: number[];
  readonly padding: 'valid' | 'same';
  readonly groups?: number;
  readonly outputPadding?: number[];
  /** Neurite's computation of the same thing, from the case's tensors. */
  readonly f: (x: Tensor, w: Tensor | null, pw: Tensor | null) => Tensor;
}

interface OracleResult {
  readonly y: number[];
  readonly shape: number[];
  readonly gx: number[];
  readonly gw?: number[];
}

function oracle(cases: readonly Case[], cotangents: readonly Tensor[]): OracleResult[] {
  const payload = cases.map((c, i) => ({
    kind: c.kind, rank: c.rank, k: c.k, strides: c.strides, dilations: c.dilations, padding: c.padding, groups: c.groups ?? 1,
    output_padding: c.outputPadding ?? null,
    x: Array.from(c.x.dataSync()), xshape: c.x.shape,
    ...(c.w ? { w: Array.from(c.w.dataSync()), wshape: c.w.shape } : {}),
    ...(c.pw ? { pw: Array.from(c.pw.dataSync()), pwshape: c.pw.shape } : {}),
    r: Array.from(cotangents[i].dataSync()),
  }));
  const r = spawnSync(PYTHON, ['-c', ORACLE], { input: JSON.stringify(payload), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `PyTorch oracle failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as OracleResult[];
}

/** max |a − b| relative to max(1, max |b|). */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / scale;
}

interface Compared {
  readonly c: Case;
  readonly y: Tensor;
  readonly r: Tensor;
  readonly ref: OracleResult;
}

/** Compares one group's values and gradients with PyTorch's. */
async function compareGroup(group: string): Promise<void> {
  const cases = (await prepare()).get(group) ?? [];
  assert.ok(cases.length > 0, `no cases in group ${group}`);
  for (const { c, y, r, ref } of cases) {
    assert.deepEqual(y.shape, ref.shape, `${c.name}: output shape`);
    assert.ok(relErr(await y.data(), ref.y) < 1e-5, `${c.name}: values differ by ${relErr(await y.data(), ref.y)}`);
    // Op cases differentiate with respect to both arguments; layer cases read their kernel variable.
    const layerKernel = c.w instanceof nt.Variable;
    const wrt = [c.x, ...(c.w && !layerKernel ? [c.w] : [])];
    const grads = nt.grads((...xs: Tensor[]) => c.f(xs[0], xs[1] ?? c.w ?? null, c.pw ?? null))(wrt, r);
    if (layerKernel) grads.push(nt.gradients(nt.sum(nt.mul(c.f(c.x, c.w ?? null, c.pw ?? null), r)), [c.w as Tensor])[0]);
    assert.ok(relErr(await grads[0].data(), ref.gx) < 1e-5, `${c.name}: input gradient differs by ${relErr(await grads[0].data(), ref.gx)}`);
    if (c.w && ref.gw) assert.ok(relErr(await grads[1].data(), ref.gw) < 1e-5, `${c.name}: kernel gradient differs by ${relErr(await grads[1].data(), ref.gw)}`);
  }
}

const three = (v: number[]): [number, number, number] => [v[0], v[1], v[2]];

function conv3dCase(name: string, xs: number[], ws: number[], o: { s?: number[]; d?: number[]; padding?: 'valid' | 'same'; groups?: number }, seed: number): Case {
  const s = o.s ?? [1, 1, 1];
  const d = o.d ?? [1, 1, 1];
  const padding = o.padding ?? 'valid';
  return {
    name, kind: 'conv', rank: 3, x: randn(xs, seed), w: randn(ws, seed + 1), k: ws.slice(0, 3), strides: s, dilations: d, padding, groups: o.groups,
    f: (x, w) => nt.conv3d(x, w as Tensor, { strides: three(s), dilations: three(d), padding, groups: o.groups }),
  };
}

function transposeCase(name: string, xs: number[], ws: number[], o: { s?: number[]; d?: number[]; padding?: 'valid' | 'same'; op?: number[] }, seed: number): Case {
  const s = o.s ?? [1, 1, 1];
  const d = o.d ?? [1, 1, 1];
  const padding = o.padding ?? 'valid';
  return {
    name, kind: 'transpose', rank: 3, x: randn(xs, seed), w: randn(ws, seed + 1), k: ws.slice(0, 3), strides: s, dilations: d, padding, outputPadding: o.op,
    f: (x, w) => nt.conv3dTranspose(x, w as Tensor, { strides: three(s), dilations: three(d), padding, outputPadding: o.op ? three(o.op) : undefined }),
  };
}

const pool = (name: string, kind: 'maxpool' | 'avgpool', xs: number[], k: number[], s: number[], padding: 'valid' | 'same', seed: number): Case => ({
  name, kind, rank: 3, x: randn(xs, seed), k, strides: s, dilations: [1, 1, 1], padding,
  f: (x) => (kind === 'maxpool' ? nt.maxPool3d : nt.avgPool3d)(x, { poolSize: three(k), strides: three(s), padding }),
});

const layerCase = (name: string, kind: Case['kind'], layer: nt.Layer, xs: number[], k: number, s: number, d: number, padding: 'valid' | 'same', seed: number, op?: number): Case => {
  const x = randn(xs, seed);
  layer.apply(x);
  layer.setWeights(layer.weights.map((w, i) => randn(w.shape, seed + 1 + i)));
  const [w, second] = layer.weights;
  const pw = layer instanceof nt.SeparableConv1D ? second : undefined;
  return {
    name, kind, rank: 1, x, w, pw, k: [k], strides: [s], dilations: [d], padding, outputPadding: op === undefined ? undefined : [op],
    f: (input) => layer.apply(input) as Tensor,
  };
};

/** Every case, by group; built and sent to PyTorch once (one Python start for the file). */
const GROUPS: Record<string, () => Case[]> = {
  conv: () => [
    conv3dCase('valid', [2, 4, 5, 3, 2], [2, 3, 2, 2, 3], {}, 1),
    conv3dCase('same, strides [2, 2, 1]', [1, 5, 6, 4, 3], [3, 2, 3, 3, 4], { s: [2, 2, 1], padding: 'same' }, 3),
    conv3dCase('same, even kernel, stride 2', [1, 4, 4, 5, 2], [2, 2, 2, 2, 2], { s: [2, 2, 2], padding: 'same' }, 5),
    conv3dCase('same, dilation [2, 1, 2]', [1, 6, 5, 6, 2], [2, 2, 3, 2, 2], { d: [2, 1, 2], padding: 'same' }, 7),
    conv3dCase('groups 2, same', [1, 4, 4, 3, 4], [3, 3, 3, 2, 6], { groups: 2, padding: 'same' }, 9),
  ],
  transpose: () => [
    transposeCase('valid, stride 2', [1, 3, 2, 3, 2], [3, 2, 3, 4, 2], { s: [2, 2, 2] }, 11),
    transposeCase('same, strides [2, 1, 2]', [2, 2, 3, 2, 3], [3, 3, 2, 2, 3], { s: [2, 1, 2], padding: 'same' }, 13),
    transposeCase('valid, stride 3 > kernel 2', [1, 2, 2, 2, 1], [2, 2, 2, 2, 1], { s: [3, 3, 3] }, 15),
    transposeCase('same, stride 2, outputPadding [1, 0, 1]', [1, 2, 3, 2, 2], [3, 3, 3, 2, 2], { s: [2, 2, 2], padding: 'same', op: [1, 0, 1] }, 17),
    transposeCase('same, dilation [2, 2, 1]', [1, 3, 3, 3, 2], [2, 3, 2, 2, 2], { d: [2, 2, 1], padding: 'same' }, 19),
  ],
  pool: () => [
    pool('max valid 2', 'maxpool', [2, 4, 5, 4, 3], [2, 2, 2], [2, 2, 2], 'valid', 21),
    pool('max same 3 stride 2', 'maxpool', [1, 5, 4, 6, 2], [3, 3, 3], [2, 2, 2], 'same', 23),
    pool('avg valid [2, 3, 2] stride 1', 'avgpool', [1, 4, 5, 4, 2], [2, 3, 2], [1, 1, 1], 'valid', 25),
    pool('avg same [3, 2, 3] stride 2', 'avgpool', [2, 5, 4, 5, 3], [3, 2, 3], [2, 2, 2], 'same', 27),
  ],
  oneD: () => {
    const noBias = { useBias: false };
    return [
      layerCase('Conv1DTranspose same stride 2', 'transpose', new nt.Conv1DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', ...noBias }), [2, 5, 3], 3, 2, 1, 'same', 31),
      layerCase('Conv1DTranspose valid stride 3 > kernel 2', 'transpose', new nt.Conv1DTranspose({ filters: 2, kernelSize: 2, strides: 3, ...noBias }), [1, 4, 2], 2, 3, 1, 'valid', 33),
      layerCase('Conv1DTranspose same stride 2 outputPadding 1', 'transpose', new nt.Conv1DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1, ...noBias }), [1, 4, 2], 3, 2, 1, 'same', 35, 1),
      layerCase('Conv1DTranspose valid dilation 2', 'transpose', new nt.Conv1DTranspose({ filters: 2, kernelSize: 3, dilationRate: 2, ...noBias }), [2, 5, 3], 3, 1, 2, 'valid', 37),
      layerCase('DepthwiseConv1D same multiplier 2 stride 2', 'depthwise', new nt.DepthwiseConv1D({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2, ...noBias }), [2, 7, 3], 3, 2, 1, 'same', 39),
      layerCase('SeparableConv1D valid dilation 2', 'depthwise', new nt.SeparableConv1D({ filters: 4, kernelSize: 2, dilationRate: 2, depthMultiplier: 2, ...noBias }), [1, 6, 3], 2, 1, 2, 'valid', 41),
    ];
  },
};

let prepared: Promise<Map<string, Compared[]>> | null = null;

/** Runs all cases through Neurite and (once) through PyTorch. */
function prepare(): Promise<Map<string, Compared[]>> {
  prepared ??= (async () => {
    const entries = Object.entries(GROUPS).flatMap(([group, build]) => build().map((c) => ({ group, c })));
    const ours = entries.map(({ c }) => {
      const y = c.f(c.x, c.w ?? null, c.pw ?? null);
      return { y, r: randn(y.shape, 97) };
    });
    const theirs = oracle(entries.map((e) => e.c), ours.map((o) => o.r));
    const out = new Map<string, Compared[]>();
    entries.forEach(({ group, c }, i) => out.set(group, [...(out.get(group) ?? []), { c, ...ours[i], ref: theirs[i] }]));
    return out;
  })();
  return prepared;
}

test('conv3d equals PyTorch conv3d: valid, same with odd padding and strides, dilation, groups (values, input and kernel gradients)', { skip: unavailable(torchMissing) }, async () => {
  await compareGroup('conv');
});

test('conv3dTranspose equals PyTorch conv_transpose3d cropped to Keras sizes: valid, same, stride > kernel, output padding, dilation', { skip: unavailable(torchMissing) }, async () => {
  await compareGroup('transpose');
});

test('maxPool3d and avgPool3d equal PyTorch max/avg_pool3d with Keras padding (padding never counts)', { skip: unavailable(torchMissing) }, async () => {
  await compareGroup('pool');
});

test('Conv1DTranspose, DepthwiseConv1D and SeparableConv1D equal PyTorch conv_transpose1d / grouped conv1d on the same weights', { skip: unavailable(torchMissing) }, async () => {
  await compareGroup('oneD');
});

const CHECK_H5 = String.raw`
import sys, json
import h5py, torch
import torch.nn.functional as F
path = sys.argv[1]
inp = json.load(sys.stdin)
f = h5py.File(path, 'r')
mc = json.loads(f.attrs['model_config'])
classes = [l['class_name'] for l in mc['config']['layers']]
g = f['model_weights']
conv = [n for n in g.attrs['layer_names'] if (n.decode() if hasattr(n, 'decode') else n).startswith('conv3d')][0]
conv = conv.decode() if hasattr(conv, 'decode') else conv
lg = g[conv]
names = [n.decode() if hasattr(n, 'decode') else n for n in lg.attrs['weight_names']]
kernel = torch.tensor(lg[names[0]][()], dtype=torch.float64)
bias = torch.tensor(lg[names[1]][()], dtype=torch.float64)
x = torch.tensor(inp['x'], dtype=torch.float64).reshape(inp['shape']).permute(0, 4, 1, 2, 3)
y = F.relu(F.conv3d(x, kernel.permute(4, 3, 0, 1, 2), bias))
y = y.mean(dim=(2, 3, 4))
dense = [n for n in g.attrs['layer_names'] if (n.decode() if hasattr(n, 'decode') else n).startswith('dense')][0]
dense = dense.decode() if hasattr(dense, 'decode') else dense
dg = g[dense]
dn = [n.decode() if hasattr(n, 'decode') else n for n in dg.attrs['weight_names']]
y = y @ torch.tensor(dg[dn[0]][()], dtype=torch.float64) + torch.tensor(dg[dn[1]][()], dtype=torch.float64)
print(json.dumps({'classes': classes, 'names': names, 'kernel_shape': list(kernel.shape), 'y': y.reshape(-1).tolist()}))
`;

test('a trained Conv3D model saves as Keras .h5 and loads back; PyTorch on the kernel h5py reads gives the same prediction', { skip: unavailable(torchMissing) }, async () => {
  nt.setSeed(3);
  const model = new nt.Sequential([
    new nt.Conv3D({ filters: 3, kernelSize: [2, 3, 2], activation: 'relu', inputShape: [4, 4, 4, 2] }),
    new nt.GlobalAveragePooling3D(),
    new nt.Dense({ units: 2 }),
  ]);
  model.compile({ optimizer: new nt.Adam({ learningRate: 0.01 }), loss: 'mse' });
  const x = randn([6, 4, 4, 4, 2], 51);
  await model.fit(x, randn([6, 2], 52), { epochs: 2, batchSize: 3, verbose: 0 });
  const expected = await (model.predict(x) as Tensor).data();
  const dir = mkdtempSync(join(tmpdir(), 'neurite-conv3d-h5-'));
  try {
    const file = join(dir, 'conv3d.h5');
    await model.save(file);
    const loaded = await nt.loadModel(file);
    assert.deepEqual(loaded.layers.map((l) => l.getClassName()), ['Conv3D', 'GlobalAveragePooling3D', 'Dense']);
    assert.ok(relErr(await (loaded.predict(x) as Tensor).data(), expected) < 1e-6);
    const r = spawnSync(PYTHON, ['-c', CHECK_H5, file], { input: JSON.stringify({ x: Array.from(x.dataSync()), shape: x.shape }), encoding: 'utf8' });
    assert.equal(r.status, 0, `h5py/torch check failed:\n${r.stderr}`);
    const out = JSON.parse(r.stdout) as { classes: string[]; names: string[]; kernel_shape: number[]; y: number[] };
    assert.deepEqual(out.classes.filter((c) => c !== 'InputLayer'), ['Conv3D', 'GlobalAveragePooling3D', 'Dense']);
    assert.match(out.names[0], /kernel/);
    assert.deepEqual(out.kernel_shape, [2, 3, 2, 2, 3]);
    assert.ok(relErr(expected, out.y) < 1e-5, `prediction differs from PyTorch on the saved weights by ${relErr(expected, out.y)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ONNX export refuses the 3-D and new 1-D layers with an error naming the layer and its class', () => {
  const cases: [nt.Layer, number[]][] = [
    [new nt.Conv3D({ filters: 2, kernelSize: 2, name: 'vol' }), [3, 3, 3, 1]],
    [new nt.MaxPooling3D({ name: 'pool3' }), [4, 4, 4, 1]],
    [new nt.Conv1DTranspose({ filters: 2, kernelSize: 2, name: 'up1' }), [5, 2]],
    [new nt.DepthwiseConv1D({ kernelSize: 2, name: 'dw1' }), [5, 2]],
  ];
  for (const [layer, shape] of cases) {
    const model = new nt.Sequential([layer]);
    model.build([null, ...shape]);
    assert.throws(() => toOnnxBytes(model), new RegExp(`layer '${layer.name}' \\(class ${layer.getClassName()}\\) is not supported for ONNX export`));
  }
});
