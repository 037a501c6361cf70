import type { Backend, UpdateHyper, UpdateRule } from '../interface.js';
import { checkUpdate } from '../js/optimizers.js';
import type { Gpu, GpuBuffer } from './runtime.js';
import { groups1d } from './runtime.js';

/**
 * Optimizer updates on the GPU: the formulas and slot layouts of backends/js/optimizers.ts,
 * one dispatch per call, one invocation per element, in place (param and slots are bound
 * read_write, grad read).
 *
 * Precision: the reference keeps its scalars in float64 and computes each element in
 * float64, rounding once when it stores. Here the per-step scalars that the reference
 * hoists out of its loop (α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ), 1 − β₁, 1/(1 − Πₜ), …) are computed
 * on the host in float64 exactly as the reference computes them, then rounded once to f32
 * (so the cancellation in 1 − β^t happens in double, not in f32); the per-element
 * arithmetic then runs in f32 with a rounding after each operation. Results therefore
 * agree with the reference to a few f32 ulps of the terms involved (relative ~1e-6), not
 * bit for bit; the test tolerance is sized for that. Maxima are written as
 * select(b, a, a > b), the reference's `a > b ? a : b`, so NaN behaves alike where the
 * shader compiler keeps NaN semantics (WGSL allows implementations to assume finite
 * values, so NaN propagation is not guaranteed).
 */

const WG = 256;

/** Per-rule shader variant (it decides the bindings) and its f32 parameter words. */
interface Plan {
  readonly variant: string;
  readonly floats: readonly number[];
}

function plan(rule: UpdateRule, h: Readonly<Record<string, number>>, nslots: number): Plan {
  switch (rule) {
    case 'sgd':
      if (nslots === 0) return { variant: 'plain', floats: [h.lr] };
      return { variant: h.nesterov !== 0 ? 'nesterov' : 'momentum', floats: [h.lr, h.momentum] };
    case 'adam': {
      const alpha = (h.lr * Math.sqrt(1 - h.beta2Power)) / (1 - h.beta1Power);
      return { variant: nslots === 3 ? 'amsgrad' : 'plain', floats: [alpha, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.epsilon, h.decay] };
    }
    case 'adamax':
      return { variant: '', floats: [h.lr / (1 - h.beta1Power), h.beta1, 1 - h.beta1, h.beta2, h.epsilon] };
    case 'nadam':
      return {
        variant: '',
        floats: [h.lr, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.epsilon, 1 / (1 - h.muProduct), 1 / (1 - h.muProductNext), 1 / (1 - h.beta2Power), 1 - h.mu, h.muNext],
      };
    case 'rmsprop':
      return { variant: `${h.momentum > 0 ? 'mom' : ''}${h.centered !== 0 ? 'centered' : ''}`, floats: [h.lr, h.rho, 1 - h.rho, h.momentum, h.epsilon] };
    case 'adagrad':
      return { variant: '', floats: [h.lr, h.epsilon] };
    case 'adadelta':
      return { variant: '', floats: [h.lr, h.rho, 1 - h.rho, h.epsilon] };
    case 'lion':
      return { variant: '', floats: [h.lr, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2] };
  }
}

/** Storage declarations: p and the slots read_write, g read. */
function decls(slots: readonly string[]): string {
  let s = `@group(0) @binding(1) var<storage, read_write> p: array<f32>;\n@group(0) @binding(2) var<storage, read> g: array<f32>;\n`;
  slots.forEach((name, k) => (s += `@group(0) @binding(${k + 3}) var<storage, read_write> ${name}: array<f32>;\n`));
  return s;
}

/** The element update (WGSL statements over i, gi = g[i]; parameter k is pf(1 + k)). */
function body(rule: UpdateRule, variant: string): { slots: string[]; code: string } {
  switch (rule) {
    case 'sgd':
      if (variant === 'plain') return { slots: [], code: `p[i] = p[i] - pf(1u) * gi;` };
      return {
        slots: ['v'],
        code: `let lr = pf(1u); let mu = pf(2u);
  let vi = mu * v[i] - lr * gi;
  v[i] = vi;
  ${variant === 'nesterov' ? 'p[i] = p[i] + (mu * vi - lr * gi);' : 'p[i] = p[i] + vi;'}`,
      };
    case 'adam':
      return {
        slots: variant === 'amsgrad' ? ['m', 'v', 'vhat'] : ['m', 'v'],
        code: `let alpha = pf(1u); let b1 = pf(2u); let c1 = pf(3u); let b2 = pf(4u); let c2 = pf(5u); let eps = pf(6u); let decay = pf(7u);
  let mi = b1 * m[i] + c1 * gi;
  var vi = b2 * v[i] + c2 * (gi * gi);
  m[i] = mi;
  v[i] = vi;
  ${variant === 'amsgrad' ? 'let old = vhat[i]; vi = select(vi, old, old > vi); vhat[i] = vi;' : ''}
  let pv = p[i];
  p[i] = pv - decay * pv - (alpha * mi) / (sqrt(vi) + eps);`,
      };
    case 'adamax':
      return {
        slots: ['m', 'u'],
        code: `let step = pf(1u); let b1 = pf(2u); let c1 = pf(3u); let b2 = pf(4u); let eps = pf(5u);
  let mi = b1 * m[i] + c1 * gi;
  let decayed = b2 * u[i];
  let ag = abs(gi);
  let ui = select(ag, decayed, decayed > ag);
  m[i] = mi;
  u[i] = ui;
  p[i] = p[i] - (step * mi) / (ui + eps);`,
      };
    case 'nadam':
      return {
        slots: ['m', 'v'],
        code: `let lr = pf(1u); let b1 = pf(2u); let c1 = pf(3u); let b2 = pf(4u); let c2 = pf(5u); let eps = pf(6u);
  let gScale = pf(7u); let mScale = pf(8u); let vScale = pf(9u); let oneMinusMu = pf(10u); let muNext = pf(11u);
  let mi = b1 * m[i] + c1 * gi;
  let vi = b2 * v[i] + c2 * (gi * gi);
  m[i] = mi;
  v[i] = vi;
  let mBar = oneMinusMu * (gi * gScale) + muNext * (mi * mScale);
  p[i] = p[i] - (lr * mBar) / (sqrt(vi * vScale) + eps);`,
      };
    case 'rmsprop': {
      const mom = variant.startsWith('mom');
      const centered = variant.endsWith('centered');
      const slots = ['ms', ...(mom ? ['mom'] : []), ...(centered ? ['mg'] : [])];
      return {
        slots,
        code: `let lr = pf(1u); let rho = pf(2u); let c = pf(3u); let eps = pf(5u);
  let msi = rho * ms[i] + c * (gi * gi);
  ms[i] = msi;
  var d = msi;
  ${centered ? 'let mgi = rho * mg[i] + c * gi; mg[i] = mgi; d = msi - mgi * mgi;' : ''}
  ${mom ? 'let mu = pf(4u); let mi = mu * mom[i] + (lr * gi) / sqrt(d + eps); mom[i] = mi; p[i] = p[i] - mi;' : 'p[i] = p[i] - (lr * gi) / (sqrt(d) + eps);'}`,
      };
    }
    case 'adagrad':
      return {
        slots: ['a'],
        code: `let lr = pf(1u); let eps = pf(2u);
  let ai = a[i] + gi * gi;
  a[i] = ai;
  p[i] = p[i] - (lr * gi) / (sqrt(ai) + eps);`,
      };
    case 'adadelta':
      return {
        slots: ['ag', 'av'],
        code: `let lr = pf(1u); let rho = pf(2u); let c = pf(3u); let eps = pf(4u);
  let agi = rho * ag[i] + c * (gi * gi);
  let delta = (sqrt(av[i] + eps) / sqrt(agi + eps)) * gi;
  ag[i] = agi;
  av[i] = rho * av[i] + c * (delta * delta);
  p[i] = p[i] - lr * delta;`,
      };
    case 'lion':
      return {
        slots: ['m'],
        code: `let lr = pf(1u); let b1 = pf(2u); let c1 = pf(3u); let b2 = pf(4u); let c2 = pf(5u);
  let mv = m[i];
  let c = b1 * mv + c1 * gi;
  let sg = select(select(c, -1.0, c < 0.0), 1.0, c > 0.0);
  p[i] = p[i] - lr * sg;
  m[i] = b2 * mv + c2 * gi;`,
      };
  }
}

function source(rule: UpdateRule, variant: string): string {
  const { slots, code } = body(rule, variant);
  return `${decls(slots)}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat(wid, nwg, lid, ${WG}u);
  if (i >= pu(0u)) { return; }
  let gi = g[i];
  ${code}
}
`;
}

/**
 * The optimizer kernel of the WebGPU backend. `applyUpdate` validates like the reference
 * (checkUpdate: sizes, rule, hyperparameter fields, slot count; float32 data only), then
 * records one dispatch of one invocation per element (workgroups of 256, 2-D grid past
 * 65535 workgroups) that updates param and slots in place.
 */
export function optimizerKernels(gpu: Gpu): Pick<Backend<GpuBuffer>, 'applyUpdate'> {
  return {
    applyUpdate<R extends UpdateRule>(rule: R, param: GpuBuffer, grad: GpuBuffer, slots: readonly GpuBuffer[], hyper: UpdateHyper<R>): void {
      const sized = (b: GpuBuffer): { length: number } => ({ length: b.size });
      checkUpdate(rule, sized(param), sized(grad), slots.map(sized), hyper);
      for (const b of [param, grad, ...slots]) {
        if (b.dtype !== 'float32') throw new TypeError(`applyUpdate('${rule}'): the variable, its gradient and its slots must be float32; got ${b.dtype}`);
      }
      const h = hyper as unknown as Readonly<Record<string, number>>;
      const { variant, floats } = plan(rule, h, slots.length);
      const n = param.size;
      gpu.run({
        key: `applyUpdate:${rule}:${variant}`,
        source: () => source(rule, variant),
        buffers: [param, grad, ...slots],
        ints: [n],
        floats,
        groups: groups1d(n, WG),
      });
    },
  };
}
