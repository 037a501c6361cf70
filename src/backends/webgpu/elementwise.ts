import type { Backend, BinaryOp, ChainStep, Shape, UnaryOp, UnaryParams } from '../interface.js';
import type { DataType } from '../../tensor/dtype.js';
import { BINARY, UNARY, type UnaryDef } from '../op-table.js';
import { planBroadcast } from '../broadcast.js';
import { groups1d, wgslType, type Gpu, type GpuBuffer } from './runtime.js';
import { formulaToWgsl, parseFormula, usedVars, WgslEmitter, type Expr, type WgslType, type WgslVar } from './wgsl-expr.js';
import { mathSource } from './wgsl-math.js';

/**
 * Elementwise kernels of the WebGPU backend. Every kernel runs one invocation per output
 * element (workgroups of WG threads over a flat index, 2-D grids beyond 65535 workgroups:
 * groups1d/flat), reading its inputs at broadcast offsets where shapes differ.
 *
 * The op formulas are not written here: unary, unaryGrad, elementwiseChain and binary
 * translate the op table's JavaScript (backends/op-table.ts) to WGSL (wgsl-expr.ts, with
 * the math vocabulary in wgsl-math.ts), once per pipeline key. Values are computed in f32
 * (float32 data) or i32 (int32 data, with JavaScript's ToInt32 where the reference stores
 * a real result into an Int32Array); see wgsl-expr.ts for the typing rules and where
 * int32 results may differ from the double-precision reference (intermediate products
 * beyond 2^53).
 *
 * Special values: the formulas keep the reference's NaN rules as written (NaN tests on the
 * bits, `!==` true for NaN, helpers that propagate NaN and handle ±inf), but a driver may
 * still fold or flush them: SwiftShader flushes denormals to zero and folds `v * 0.0` to 0
 * (so NaN·0 can be 0 where the reference gives NaN); the null-derivative gradient multiplies
 * by a zero read from the parameters for that reason.
 */

/** Threads per workgroup of every kernel here. */
const WG = 64;

type Dt = DataType;

/** A storage binding: a name, its element type, and whether the kernel writes it. */
interface Binding {
  readonly name: string;
  readonly type: WgslType | 'u32';
  readonly write?: boolean;
}

/** A one-element-per-invocation kernel: bindings at 1, 2, …, the helpers, and `body` run for each i < pu(0). */
function kernelSource(bindings: readonly Binding[], helpers: Iterable<string>, body: string): string {
  const decl = bindings
    .map((b, k) => `@group(0) @binding(${k + 1}) var<storage, ${b.write === true ? 'read_write' : 'read'}> ${b.name}: array<${b.type}>;`)
    .join('\n');
  return `${decl}
${mathSource(helpers)}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat(wid, nwg, lid, ${WG}u);
  if (i >= pu(0)) { return; }
${body}
}
`;
}

function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function check(ok: boolean, msg: string): void {
  if (!ok) throw new Error(`webgpu ${msg}`);
}

/**
 * WGSL computing the broadcast offsets `o0`, `o1`, … of the inputs for output element `i`,
 * for a plan of `rank` merged dimensions whose dims start at parameter word `base`,
 * followed by each input's strides (rank words each). Dimensions are unrolled (the rank is
 * in the pipeline key); the outermost needs no division.
 */
function offsetsCode(rank: number, inputs: number, base: number): string {
  const lines: string[] = [];
  for (let k = 0; k < inputs; k++) lines.push(`  var o${k} = 0u;`);
  if (rank === 1) {
    for (let k = 0; k < inputs; k++) lines.push(`  o${k} = i * pu(${base + rank * (k + 1)}u);`);
    return lines.join('\n');
  }
  lines.push('  var rem = i;');
  for (let d = rank - 1; d >= 0; d--) {
    if (d > 0) {
      lines.push(`  { let dim = pu(${base + d}u); let c = rem % dim; rem = rem / dim;`);
      for (let k = 0; k < inputs; k++) lines.push(`    o${k} = o${k} + c * pu(${base + rank * (k + 1) + d}u);`);
      lines.push('  }');
    } else {
      for (let k = 0; k < inputs; k++) lines.push(`  o${k} = o${k} + rem * pu(${base + rank * (k + 1)}u);`);
    }
  }
  return lines.join('\n');
}

/** Parameter words of a broadcast plan: dims, then each input's strides. */
function planWords(outShape: Shape, inShapes: readonly Shape[]): { rank: number; words: number[] } {
  const plan = planBroadcast(outShape, inShapes);
  return { rank: plan.dims.length, words: [...plan.dims, ...plan.strides.flat()] };
}

/**
 * A value of dtype `from` read as `expr` (declared with wgslType(from), or u32 when the
 * dtypes match), as the u32 bits of dtype `to`: a bit move when they match, else the
 * reference's conversion (ToInt32 for float → int, rounding to nearest for int → float).
 */
function convertBits(expr: string, from: Dt, to: Dt, helpers: Set<string>): string {
  if (wgslType(from) === wgslType(to)) return expr;
  if (wgslType(to) === 'i32') {
    helpers.add('m_to_i32');
    return `bitcast<u32>(m_to_i32(${expr}))`;
  }
  return `bitcast<u32>(f32(${expr}))`;
}

/** How a value-moving kernel declares an input of dtype `from` written to dtype `to`. */
function moveType(from: Dt, to: Dt): WgslType | 'u32' {
  return wgslType(from) === wgslType(to) ? 'u32' : wgslType(from);
}

/** The formula bodies of a unary op (value and derivative factor). */
function unaryDef(op: UnaryOp): UnaryDef {
  const def: UnaryDef | undefined = UNARY[op];
  check(def !== undefined, `unary: unknown op '${op}'`);
  return def as UnaryDef;
}

/** The elementwise kernels (see the file's comment for their parallelisation). */
export function elementwiseKernels(gpu: Gpu): Pick<Backend<GpuBuffer>, 'unary' | 'unaryGrad' | 'elementwiseChain' | 'binary' | 'where' | 'broadcastTo' | 'cast' | 'copy'> {
  /**
   * A flat kernel over n = out.size elements whose value is `expr` over variables bound to
   * input buffers or parameter floats. `inputs[k]` is bound to the formula variable
   * `varOf[k]`; only inputs the expression reads are bound (WebGPU's 'auto' layout drops
   * unused bindings).
   */
  const flatKernel = (
    key: string,
    expr: () => { code: string; helpers: Set<string> },
    inputs: readonly { readonly name: string; readonly h: GpuBuffer; readonly v: number }[],
    out: GpuBuffer,
    floats: readonly number[],
    used: Set<number>,
  ): void => {
    const bound = inputs.filter((x) => used.has(x.v));
    gpu.run({
      key,
      source: () => {
        const e = expr();
        const bindings: Binding[] = [...bound.map((x) => ({ name: x.name.toUpperCase(), type: wgslType(x.h.dtype) })), { name: 'OUT', type: wgslType(out.dtype), write: true }];
        const loads = bound.map((x) => `  let ${x.name} = ${x.name.toUpperCase()}[i];`).join('\n');
        return kernelSource(bindings, e.helpers, `${loads}\n  OUT[i] = ${e.code};`);
      },
      buffers: [...bound.map((x) => x.h), out],
      ints: [out.size],
      floats,
      groups: groups1d(out.size, WG),
    });
  };

  const paramVar = (k: number): WgslVar => ({ code: `pf(${k}u)`, type: 'f32' });

  return {
    /** y = f(x), one invocation per element; int32 data computes in i32 where exact, else f32 then ToInt32 (as the reference's store). */
    unary(op: UnaryOp, x: GpuBuffer, y: GpuBuffer, p: UnaryParams): void {
      check(x.size === y.size, `unary ${op}: input of ${x.size} elements, output of ${y.size}`);
      const def = unaryDef(op);
      const where = `UNARY.${op}.f`;
      const used = usedVars(parseFormula(def.f, where).body);
      const vars: WgslVar[] = [{ code: 'x', type: wgslType(x.dtype) }, paramVar(1), paramVar(2)];
      flatKernel(
        `unary:${op}:${x.dtype}>${y.dtype}`,
        () => formulaToWgsl(def.f, vars, wgslType(y.dtype), where),
        [{ name: 'x', h: x, v: 0 }],
        y,
        [p.alpha, p.beta],
        used,
      );
    },

    /** dx = dy · f'(x, y), one invocation per element; a null derivative multiplies dy by a zero parameter (NaN·0 stays NaN where the driver allows). */
    unaryGrad(op: UnaryOp, x: GpuBuffer, y: GpuBuffer, dy: GpuBuffer, dx: GpuBuffer, p: UnaryParams): void {
      check(x.size === dx.size && y.size === dx.size && dy.size === dx.size, `unaryGrad ${op}: sizes ${x.size}, ${y.size}, ${dy.size} → ${dx.size}`);
      const def = unaryDef(op);
      const where = `UNARY.${op}.df`;
      // Variables: the derivative's (x, y, a, b) by position, then dy (4) and a zero (5).
      const factor: Expr = def.df === null ? { k: 'var', i: 5 } : parseFormula(def.df, where).body;
      const body: Expr = { k: 'binary', op: '*', l: { k: 'var', i: 4 }, r: factor };
      const used = usedVars(body);
      const vars: WgslVar[] = [
        { code: 'x', type: wgslType(x.dtype) },
        { code: 'y', type: wgslType(y.dtype) },
        paramVar(1),
        paramVar(2),
        { code: 'dy', type: wgslType(dy.dtype) },
        paramVar(3),
      ];
      flatKernel(
        `unaryGrad:${op}:${x.dtype},${y.dtype},${dy.dtype}>${dx.dtype}`,
        () => {
          const em = new WgslEmitter(vars, where);
          return { code: em.emit(body, wgslType(dx.dtype)), helpers: em.helpers };
        },
        [
          { name: 'x', h: x, v: 0 },
          { name: 'y', h: y, v: 1 },
          { name: 'dy', h: dy, v: 4 },
        ],
        dx,
        [p.alpha, p.beta, 0],
        used,
      );
    },

    /**
     * The whole chain in one kernel, one invocation per element; each step's value is
     * rounded to y's dtype (f32 for float32) before the next, like separate kernels. The
     * pipeline key holds the steps' ops only: their scalars travel as parameters.
     */
    elementwiseChain(steps: readonly ChainStep[], x: GpuBuffer, y: GpuBuffer): void {
      check(x.size === y.size, `elementwiseChain: input of ${x.size} elements, output of ${y.size}`);
      const floats: number[] = [];
      const keys: string[] = [];
      for (const s of steps) {
        if ('unary' in s) {
          unaryDef(s.unary);
          keys.push(`u.${s.unary}`);
          floats.push(s.p.alpha, s.p.beta);
        } else {
          check(BINARY[s.binary] !== undefined, `elementwiseChain: unknown binary op '${s.binary}'`);
          keys.push(`${s.scalarFirst ? 'f' : 's'}.${s.binary}`);
          floats.push(s.scalar);
        }
      }
      const ty = wgslType(y.dtype);
      gpu.run({
        key: `chain:${x.dtype}>${y.dtype}:${keys.join(',')}`,
        source: () => {
          const helpers = new Set<string>();
          const lines = ['  let v0 = X[i];'];
          let prev: WgslVar = { code: 'v0', type: wgslType(x.dtype) };
          let k = 1; // parameter word of the step's first float (after the one int, n)
          steps.forEach((s, j) => {
            let r: { code: string; helpers: Set<string> };
            if ('unary' in s) {
              r = formulaToWgsl(UNARY[s.unary].f, [prev, paramVar(k), paramVar(k + 1)], ty, `UNARY.${s.unary}.f`);
              k += 2;
            } else {
              const c = paramVar(k);
              r = formulaToWgsl(BINARY[s.binary].f, s.scalarFirst ? [c, prev] : [prev, c], ty, `BINARY.${s.binary}.f`);
              k += 1;
            }
            for (const h of r.helpers) helpers.add(h);
            lines.push(`  let v${j + 1} = ${r.code};`);
            prev = { code: `v${j + 1}`, type: ty };
          });
          const last = prev.type === ty ? prev.code : ty === 'f32' ? `f32(${prev.code})` : (helpers.add('m_to_i32'), `m_to_i32(${prev.code})`);
          lines.push(`  Y[i] = ${last};`);
          return kernelSource(
            [
              { name: 'X', type: wgslType(x.dtype) },
              { name: 'Y', type: ty, write: true },
            ],
            helpers,
            lines.join('\n'),
          );
        },
        buffers: [x, y],
        ints: [y.size],
        floats,
        groups: groups1d(y.size, WG),
      });
    },

    /** NumPy-broadcast a ∘ b, one invocation per output element (offsets from the merged broadcast plan, dims and strides as parameters). */
    binary(op: BinaryOp, a: GpuBuffer, aShape: Shape, b: GpuBuffer, bShape: Shape, out: GpuBuffer, outShape: Shape): void {
      const def = BINARY[op];
      check(def !== undefined, `binary: unknown op '${op}'`);
      const n = sizeOf(outShape);
      check(out.size === n && a.size >= sizeOf(aShape) && b.size >= sizeOf(bShape), `binary ${op}: buffers of ${a.size}, ${b.size} → ${out.size} elements for shapes ${JSON.stringify(aShape)}, ${JSON.stringify(bShape)} → ${JSON.stringify(outShape)}`);
      const where = `BINARY.${op}.f`;
      const used = usedVars(parseFormula(def.f, where).body);
      const { rank, words } = planWords(outShape, [aShape, bShape]);
      const ins = [
        { name: 'A', h: a, v: 0 },
        { name: 'B', h: b, v: 1 },
      ].filter((x) => used.has(x.v));
      gpu.run({
        key: `binary:${op}:${a.dtype},${b.dtype}>${out.dtype}:r${rank}`,
        source: () => {
          const vars: WgslVar[] = [
            { code: 'va', type: wgslType(a.dtype) },
            { code: 'vb', type: wgslType(b.dtype) },
          ];
          const r = formulaToWgsl(def.f, vars, wgslType(out.dtype), where);
          const body = [offsetsCode(rank, 2, 1), ...ins.map((x) => `  let v${x.name.toLowerCase()} = ${x.name}[o${x.v}];`), `  OUT[i] = ${r.code};`].join('\n');
          return kernelSource([...ins.map((x) => ({ name: x.name, type: wgslType(x.h.dtype) })), { name: 'OUT', type: wgslType(out.dtype), write: true }], r.helpers, body);
        },
        buffers: [...ins.map((x) => x.h), out],
        ints: [n, ...words],
        groups: groups1d(n, WG),
      });
    },

    /** out = cond != 0 ? a : b with broadcasting, one invocation per output element; values move as bits (converted only where a dtype differs from out's). */
    where(cond: GpuBuffer, condShape: Shape, a: GpuBuffer, aShape: Shape, b: GpuBuffer, bShape: Shape, out: GpuBuffer, outShape: Shape): void {
      const n = sizeOf(outShape);
      check(out.size === n && cond.size >= sizeOf(condShape) && a.size >= sizeOf(aShape) && b.size >= sizeOf(bShape), `where: buffers of ${cond.size}, ${a.size}, ${b.size} → ${out.size} elements for shapes ${JSON.stringify([condShape, aShape, bShape, outShape])}`);
      const { rank, words } = planWords(outShape, [condShape, aShape, bShape]);
      gpu.run({
        key: `where:${cond.dtype},${a.dtype},${b.dtype}>${out.dtype}:r${rank}`,
        source: () => {
          const helpers = new Set<string>();
          // A float condition is true unless ±0 (NaN is true, as NaN !== 0 in JavaScript).
          const c = wgslType(cond.dtype) === 'f32' ? '(C[o0] & 0x7fffffffu) != 0u' : 'C[o0] != 0u';
          const va = convertBits('A[o1]', a.dtype, out.dtype, helpers);
          const vb = convertBits('B[o2]', b.dtype, out.dtype, helpers);
          const body = `${offsetsCode(rank, 3, 1)}\n  if (${c}) { OUT[i] = ${va}; } else { OUT[i] = ${vb}; }`;
          return kernelSource(
            [
              { name: 'C', type: 'u32' },
              { name: 'A', type: moveType(a.dtype, out.dtype) },
              { name: 'B', type: moveType(b.dtype, out.dtype) },
              { name: 'OUT', type: 'u32', write: true },
            ],
            helpers,
            body,
          );
        },
        buffers: [cond, a, b, out],
        ints: [n, ...words],
        groups: groups1d(n, WG),
      });
    },

    /** out = x broadcast to outShape, one invocation per output element (a bit move). */
    broadcastTo(x: GpuBuffer, xShape: Shape, out: GpuBuffer, outShape: Shape): void {
      const n = sizeOf(outShape);
      check(out.size === n && x.size >= sizeOf(xShape), `broadcastTo: ${x.size} → ${out.size} elements for shapes ${JSON.stringify(xShape)} → ${JSON.stringify(outShape)}`);
      const { rank, words } = planWords(outShape, [xShape]);
      gpu.run({
        key: `broadcastTo:${x.dtype}>${out.dtype}:r${rank}`,
        source: () => {
          const helpers = new Set<string>();
          const body = `${offsetsCode(rank, 1, 1)}\n  OUT[i] = ${convertBits('X[o0]', x.dtype, out.dtype, helpers)};`;
          return kernelSource(
            [
              { name: 'X', type: moveType(x.dtype, out.dtype) },
              { name: 'OUT', type: 'u32', write: true },
            ],
            helpers,
            body,
          );
        },
        buffers: [x, out],
        ints: [n, ...words],
        groups: groups1d(n, WG),
      });
    },

    /**
     * Converts into out's dtype, one invocation per element: float32 → int32 is JavaScript's
     * ToInt32 (truncation toward zero; NaN and ±inf give 0; beyond ±2^31 wraps modulo 2^32,
     * exactly as the reference's Int32Array store), int32 → float32 rounds to nearest (even),
     * equal dtypes copy the bits.
     */
    cast(x: GpuBuffer, out: GpuBuffer): void {
      convert(x, out, 'cast');
    },

    /** out = x, one invocation per element (32-bit words, any dtype). */
    copy(x: GpuBuffer, out: GpuBuffer): void {
      convert(x, out, 'copy');
    },
  };

  /** cast and copy: one invocation per element, moving 32-bit words (converting where the dtypes differ, see cast). */
  function convert(x: GpuBuffer, out: GpuBuffer, what: string): void {
    check(x.size === out.size, `${what}: input of ${x.size} elements, output of ${out.size}`);
    gpu.run({
      key: `convert:${wgslType(x.dtype)}>${wgslType(out.dtype)}`,
      source: () => {
        const helpers = new Set<string>();
        return kernelSource(
          [
            { name: 'X', type: moveType(x.dtype, out.dtype) },
            { name: 'OUT', type: 'u32', write: true },
          ],
          helpers,
          `  OUT[i] = ${convertBits('X[i]', x.dtype, out.dtype, helpers)};`,
        );
      },
      buffers: [x, out],
      ints: [out.size],
      groups: groups1d(out.size, WG),
    });
  }
}
