/**
 * Neurite's forward results against ONNX's own operator test vectors (Debian package
 * libonnx-testdata): every node test whose graph uses an in-scope op, plus the *_expanded
 * graphs of in-scope ops, is decoded with our own protobuf reader, run through the graph
 * interpreter in ./onnx/runners.ts, and compared elementwise with the stored outputs.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as nt from '../src/index.js';
import { type ModelProto, UnsupportedTensorError, loadModel, loadTensorProto, toNeurite } from './onnx/onnx.js';
import { type RunResult, Unsupported, runModel } from './onnx/runners.js';

const ROOT = '/usr/share/libonnx-testdata/data/node';

const IN_SCOPE = new Set([
  'Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Gemm', 'MatMul', 'Softmax', 'Relu', 'Sigmoid',
  'Tanh', 'LeakyRelu', 'Elu', 'Selu', 'Pad', 'Flatten', 'BatchNormalization',
]);

/**
 * Tolerance |got − want| ≤ ATOL + RTOL·|want|. Neurite's kernels compute in float32
 * (the vectors were made in float32/float64 NumPy), so differences of a few ulps in
 * accumulated sums, exp and tanh are expected; anything beyond this is a real mismatch.
 */
const ATOL = 1e-5;
const RTOL = 1e-4;

type Status = 'passed' | 'FAILED' | 'skipped';

interface Row {
  readonly op: string;
  readonly name: string;
  status: Status;
  detail: string;
}

interface Case {
  readonly name: string;
  readonly dir: string;
  readonly model: ModelProto | null;
  /** In-scope op types the case is attributed to. */
  readonly ops: readonly string[];
  /** The table's op column: the ops, or "<ops> via <Base>_expanded" for another op's expansion. */
  readonly label: string;
  readonly loadError: string | null;
}

const rows: Row[] = [];

function inScopeOps(model: ModelProto): string[] {
  return [...new Set(model.graph.nodes.map((n) => n.opType).filter((op) => IN_SCOPE.has(op)))];
}

interface Parsed {
  readonly model: ModelProto | null;
  readonly ops: string[];
  readonly error: string | null;
}

/** Label: the in-scope ops, marked when they only occur inside an out-of-scope op's expansion. */
function caseLabel(ops: readonly string[], base: Parsed | undefined): string {
  const baseOp = base?.model?.graph.nodes.length === 1 ? base.model.graph.nodes[0].opType : null;
  if (baseOp !== null && !IN_SCOPE.has(baseOp) && ops.length > 0) return `${ops.join('+')} via ${baseOp}_expanded`;
  return ops.join('+');
}

/**
 * Every case whose graph contains an in-scope op, decided by parsing model.onnx, plus each
 * `<base>_expanded` case whose `<base>` graph does (its primitives replace the op).
 * A model that cannot be parsed becomes a failing case: scope cannot be decided for it.
 */
function discover(root: string): Case[] {
  const names = readdirSync(root).filter((d) => existsSync(join(root, d, 'model.onnx'))).sort();
  const parsed = new Map<string, Parsed>();
  for (const name of names) {
    try {
      const model = loadModel(join(root, name, 'model.onnx'));
      parsed.set(name, { model, ops: inScopeOps(model), error: null });
    } catch (e) {
      parsed.set(name, { model: null, ops: [], error: (e as Error).message });
    }
  }
  const cases: Case[] = [];
  for (const name of names) {
    const p = parsed.get(name)!;
    const base = name.endsWith('_expanded') ? parsed.get(name.slice(0, -'_expanded'.length)) : undefined;
    const ops = p.ops.length > 0 ? p.ops : (base?.ops ?? []);
    if (ops.length === 0 && p.error === null) continue;
    cases.push({ name, dir: join(root, name), model: p.model, ops, label: caseLabel(ops, base) || 'unparsed', loadError: p.error });
  }
  return cases;
}

function dataFiles(dir: string, prefix: 'input' | 'output'): string[] {
  const set = join(dir, 'test_data_set_0');
  const re = new RegExp(`^${prefix}_(\\d+)\\.pb$`);
  return readdirSync(set)
    .map((f) => re.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => join(set, m[0]));
}

/** Maps input_i.pb to the i-th graph input that is not an initializer. */
function loadFeeds(c: Case, model: ModelProto): Map<string, nt.Tensor> {
  const initNames = new Set(model.graph.initializers.map((t) => t.name));
  const names = model.graph.inputs.filter((n) => !initNames.has(n));
  const files = dataFiles(c.dir, 'input');
  assert.equal(files.length, names.length, `${c.name}: ${files.length} input files for graph inputs [${names.join(', ')}]`);
  return new Map(files.map((f, i) => [names[i], toNeurite(loadTensorProto(f))]));
}

function multiIndex(shape: readonly number[], flat: number): string {
  const idx: number[] = [];
  for (let k = shape.length - 1; k >= 0; k--) {
    idx.unshift(flat % shape[k]);
    flat = Math.floor(flat / shape[k]);
  }
  return `[${idx.join(', ')}]`;
}

/** Compares every element; the message names the case, output, first differing index and both values. */
async function compareOutput(caseName: string, index: number, name: string, got: nt.Tensor, want: nt.Tensor): Promise<void> {
  const where = `${caseName}: output ${index} ('${name}')`;
  assert.deepEqual([...got.shape], [...want.shape], `${where} has shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`);
  assert.equal(got.dtype, want.dtype, `${where} has dtype ${got.dtype}, expected ${want.dtype}`);
  const gotValues = await got.data();
  const wantValues = await want.data();
  for (let i = 0; i < want.size; i++) {
    const g = gotValues[i];
    const w = wantValues[i];
    const tol = ATOL + RTOL * Math.abs(w);
    const ok = Number.isNaN(w) ? Number.isNaN(g) : g === w || Math.abs(g - w) <= tol;
    if (!ok) {
      assert.fail(`${where} differs first at flat index ${i} ${multiIndex(want.shape, i)}: got ${g}, want ${w} (|diff| ${Math.abs(g - w)} > tolerance ${tol})`);
    }
  }
}

interface Prepared {
  readonly run: RunResult;
  readonly wants: readonly nt.Tensor[];
}

/** Loads the data and runs the graph; a string is the reason Neurite cannot run the case. */
async function prepare(c: Case, model: ModelProto): Promise<Prepared | string> {
  try {
    const feeds = loadFeeds(c, model);
    const wants = dataFiles(c.dir, 'output').map((f) => toNeurite(loadTensorProto(f)));
    return { run: await runModel(model, feeds), wants };
  } catch (e) {
    // Only deliberate refusals become skips; every other error fails the case.
    if (e instanceof Unsupported || e instanceof UnsupportedTensorError) return e.message;
    throw e;
  }
}

/** Runs one case: returns a skip reason, or null after every output compared equal. */
async function runCase(c: Case, row: Row): Promise<string | null> {
  if (c.loadError !== null || c.model === null) throw new Error(`${c.name}: cannot parse model.onnx: ${c.loadError}`);
  const model = c.model;
  const outputFiles = dataFiles(c.dir, 'output').length;
  assert.equal(outputFiles, model.graph.outputs.length, `${c.name}: ${outputFiles} output files for ${model.graph.outputs.length} graph outputs`);
  assert.ok(outputFiles > 0, `${c.name}: no expected outputs to compare`);
  const p = await prepare(c, model);
  if (typeof p === 'string') return p;
  row.detail = p.run.notes.join('; ');
  assert.equal(p.run.outputs.length, p.wants.length, `${c.name}: the graph produced ${p.run.outputs.length} outputs, expected ${p.wants.length}`);
  for (const [i, want] of p.wants.entries()) await compareOutput(c.name, i, model.graph.outputs[i], p.run.outputs[i], want);
  return null;
}

if (!existsSync(ROOT)) {
  test('ONNX operator test vectors', () => {
    assert.fail(`${ROOT} is missing: the ONNX test vectors are not installed. Run \`bash scripts/setup.sh\` (it installs the Debian package libonnx-testdata).`);
  });
} else {
  const cases = discover(ROOT);
  test('ONNX operator test vectors (libonnx-testdata)', async (t) => {
    assert.ok(cases.length > 0, `no in-scope cases found under ${ROOT}`);
    for (const c of cases) {
      const row: Row = { op: c.label, name: c.name, status: 'FAILED', detail: '' };
      rows.push(row);
      await t.test(c.name, async (st) => {
        try {
          const skip = await runCase(c, row);
          if (skip !== null) {
            row.status = 'skipped';
            row.detail = skip;
            st.skip(skip);
            return;
          }
          row.status = 'passed';
        } catch (e) {
          row.detail = (e as Error).message.split('\n')[0];
          throw e;
        }
      });
    }
  });
}

function printTable(): void {
  if (rows.length === 0) return;
  const headers = ['op', 'case', 'result', 'reason / note'];
  const body = rows.map((r) => [r.op, r.name, r.status, r.detail]);
  const widths = [0, 1, 2].map((k) => Math.max(headers[k].length, ...body.map((b) => b[k].length)));
  const line = (cells: readonly string[]): string => cells.map((s, k) => (k < 3 ? s.padEnd(widths[k]) : s)).join(' | ').trimEnd();
  const out = [line(headers), widths.map((w) => '-'.repeat(w)).join('-|-') + '-|-' + '-'.repeat(13), ...body.map(line)];
  const perOp = new Map<string, Record<Status, number>>();
  for (const r of rows) {
    const s = perOp.get(r.op) ?? { passed: 0, FAILED: 0, skipped: 0 };
    s[r.status]++;
    perOp.set(r.op, s);
  }
  const w = Math.max(...[...perOp.keys()].map((k) => k.length), 'total cases'.length);
  out.push('', `per-op summary (op: passed, failed, skipped), backend '${nt.getBackendName()}'`);
  for (const [op, s] of [...perOp].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`  ${op.padEnd(w)} passed ${String(s.passed).padStart(3)}   failed ${String(s.FAILED).padStart(3)}   skipped ${String(s.skipped).padStart(3)}`);
  }
  const total = (st: Status): number => rows.filter((r) => r.status === st).length;
  out.push(`  ${'total cases'.padEnd(w)} passed ${String(total('passed')).padStart(3)}   failed ${String(total('FAILED')).padStart(3)}   skipped ${String(total('skipped')).padStart(3)}`);
  console.log(out.join('\n'));
}

after(printTable);
