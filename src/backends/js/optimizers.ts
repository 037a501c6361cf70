import type { UpdateHyper, UpdateRule } from '../interface.js';
import { UPDATE } from '../op-table.js';

/**
 * In-place optimizer updates: the reference kernels behind `Backend.applyUpdate`. Each call
 * updates one variable `p` (and its state slots) from its gradient `g` in a single pass:
 * scalars are float64 (JavaScript numbers), storage is float32 (every element is read
 * into a float64, updated, and rounded once when stored). kernels/include/nt_optim.h
 * (shared by the native addon and the WebAssembly kernels) implements exactly these
 * formulas with the same layouts, in the same operation order and in double precision, so
 * every backend agrees to the last bit or within an ulp.
 *
 * The optimizer (src/optimizers/) computes everything that is the same for every element
 * once per step — the learning rate after schedules and legacy decay, powers of the betas
 * — and passes it in `hyper`, an object with one number per field of the rule (the field
 * lists are UPDATE in backends/op-table.ts, which also lays out the C structs
 * nt_<rule>_hyper the native and wasm kernels read; booleans travel as 1 or 0). Below,
 * t = iterations + 1 is the step being taken, lr the learning rate of this step,
 * g = grad[i]; every slot starts at 0 unless said otherwise. The formulas are tf.keras 2's
 * (optimizer_v2 and the TensorFlow kernels it calls).
 *
 * 'sgd'      slots: []               (momentum = 0)
 *                   [velocity]       (momentum > 0)
 *            hyper: { lr, momentum, nesterov (1 or 0) }
 *            momentum = 0:  p ← p − lr·g
 *            momentum > 0:  v ← momentum·v − lr·g
 *                           p ← p + v                       (nesterov = 0)
 *                           p ← p + momentum·v − lr·g       (nesterov = 1)
 *
 * 'adam'     slots: [m, v]           (amsgrad off)
 *                   [m, v, vhat]     (amsgrad on; vhat is the running maximum of v)
 *            hyper: { lr, beta1, beta2, epsilon, beta1Power = beta1^t, beta2Power = beta2^t, decay }
 *            α = lr·√(1 − beta2^t) / (1 − beta1^t)
 *            m ← beta1·m + (1 − beta1)·g
 *            v ← beta2·v + (1 − beta2)·g²
 *            vhat ← max(vhat, v)                              (amsgrad)
 *            p ← p − decay·p − α·m / (√v + epsilon)           (√vhat with amsgrad)
 *            `decay` is the decoupled weight-decay factor lr·weight_decay (AdamW); 0 for Adam.
 *
 * 'adamax'   slots: [m, u]           (u: the exponentially weighted infinity norm)
 *            hyper: { lr, beta1, beta2, epsilon, beta1Power = beta1^t }
 *            m ← beta1·m + (1 − beta1)·g
 *            u ← max(beta2·u, |g|)
 *            p ← p − lr / (1 − beta1^t) · m / (u + epsilon)
 *
 * 'nadam'    slots: [m, v]
 *            hyper: { lr, beta1, beta2, epsilon, mu = μ_t, muNext = μ_{t+1}, muProduct = Π_t,
 *                     muProductNext = Π_{t+1}, beta2Power = beta2^t }
 *            with the momentum schedule μ_t = beta1·(1 − ½·0.96^(schedule_decay·t)),
 *            Π_t = μ_1·…·μ_t (the optimizer's momentum cache) and Π_{t+1} = Π_t·μ_{t+1}:
 *            g' = g / (1 − Π_t)
 *            m ← beta1·m + (1 − beta1)·g ;  m' = m / (1 − Π_{t+1})
 *            v ← beta2·v + (1 − beta2)·g² ; v' = v / (1 − beta2^t)
 *            m̄ = (1 − μ_t)·g' + μ_{t+1}·m'
 *            p ← p − lr·m̄ / (√v' + epsilon)
 *
 * 'rmsprop'  slots: [ms]  then [mom] if momentum > 0, then [mg] if centered:
 *                   [ms] | [ms, mom] | [ms, mg] | [ms, mom, mg]
 *            hyper: { lr, rho, momentum, epsilon, centered (1 or 0) }
 *            ms ← rho·ms + (1 − rho)·g²
 *            mg ← rho·mg + (1 − rho)·g                        (centered)
 *            d  = ms − mg² (centered) or ms
 *            momentum = 0:  p ← p − lr·g / (√d + epsilon)      (epsilon outside the root)
 *            momentum > 0:  mom ← momentum·mom + lr·g / √(d + epsilon)   (epsilon inside)
 *                           p ← p − mom
 *            (tf.keras 2 runs the momentum case through TensorFlow's ApplyRMSProp kernels,
 *            which put epsilon inside the root, and the plain case through Python code that
 *            puts it outside; both are kept. Keras 3 always puts it inside.)
 *
 * 'adagrad'  slots: [accumulator]    (starts at initial_accumulator_value, not 0)
 *            hyper: { lr, epsilon }
 *            a ← a + g²
 *            p ← p − lr·g / (√a + epsilon)
 *
 * 'lion'     slots: [m]
 *            hyper: { lr, beta1, beta2 }
 *            p ← p − lr·sign(beta1·m + (1 − beta1)·g)   (sign(0) = 0; NaN passes through)
 *            m ← beta2·m + (1 − beta2)·g
 *
 * 'adadelta' slots: [accum_grad, accum_var]
 *            hyper: { lr, rho, epsilon }
 *            ag ← rho·ag + (1 − rho)·g²
 *            Δ  = √(av + epsilon) / √(ag + epsilon) · g
 *            av ← rho·av + (1 − rho)·Δ²
 *            p ← p − lr·Δ
 *
 * Maxima are written `a > b ? a : b` in every backend so that they agree even on NaN.
 */
export function applyUpdate<R extends UpdateRule>(rule: R, param: Float32Array, grad: Float32Array, slots: readonly Float32Array[], hyper: UpdateHyper<R>): void {
  checkUpdate(rule, param, grad, slots, hyper);
  switch (rule as UpdateRule) {
    case 'sgd':
      return sgd(param, grad, slots, hyper as UpdateHyper<'sgd'>);
    case 'adam':
      return adam(param, grad, slots, hyper as UpdateHyper<'adam'>);
    case 'adamax':
      return adamax(param, grad, slots, hyper as UpdateHyper<'adamax'>);
    case 'nadam':
      return nadam(param, grad, slots, hyper as UpdateHyper<'nadam'>);
    case 'rmsprop':
      return rmsprop(param, grad, slots, hyper as UpdateHyper<'rmsprop'>);
    case 'adagrad':
      return adagrad(param, grad, slots, hyper as UpdateHyper<'adagrad'>);
    case 'adadelta':
      return adadelta(param, grad, slots, hyper as UpdateHyper<'adadelta'>);
    case 'lion':
      return lion(param, grad, slots, hyper as UpdateHyper<'lion'>);
  }
}

/** Anything with an element count: the typed arrays of host memory, or any backend's host views. */
export interface Sized {
  readonly length: number;
}

/**
 * Throws the error applyUpdate would for a malformed call: gradient or slot sizes that
 * differ from the variable's, an unknown rule (RangeError listing the op table's rules), a
 * hyperparameter field of the rule that is missing or not a number (TypeError), or a slot
 * count that does not fit the rule and its hyperparameters (RangeError). Other backends
 * call it before running their own kernel. Fields beyond the rule's are ignored.
 */
export function checkUpdate<R extends UpdateRule>(rule: R, param: Sized, grad: Sized, slots: readonly Sized[], hyper: UpdateHyper<R>): void {
  const n = param.length;
  if (grad.length !== n) throw new RangeError(`applyUpdate('${rule}'): the gradient has ${grad.length} elements; the variable has ${n}`);
  for (let k = 0; k < slots.length; k++) {
    if (slots[k].length !== n) throw new RangeError(`applyUpdate('${rule}'): slot ${k} has ${slots[k].length} elements; the variable has ${n}`);
  }
  if (typeof rule !== 'string' || !Object.hasOwn(UPDATE, rule)) {
    throw new RangeError(`applyUpdate: unknown update rule '${String(rule)}'; known rules: ${Object.keys(UPDATE).join(', ')}`);
  }
  const fields: readonly string[] = UPDATE[rule];
  if (typeof hyper !== 'object' || hyper === null) {
    throw new TypeError(`applyUpdate('${rule}'): the hyperparameters must be an object with the fields ${fields.join(', ')}; got ${String(hyper)}`);
  }
  const h = hyper as unknown as Readonly<Record<string, unknown>>;
  for (const f of fields) {
    const v = h[f];
    if (typeof v !== 'number') {
      const what = v === undefined ? 'is missing' : `must be a number; got ${typeof v}`;
      throw new TypeError(`applyUpdate('${rule}'): hyperparameter '${f}' ${what} (expected ${fields.join(', ')})`);
    }
  }
  const nslots = slotCount(rule, h as Readonly<Record<string, number>>, slots.length);
  if (slots.length !== nslots) throw new RangeError(`applyUpdate('${rule}'): expected ${nslots} slots for these hyperparameters; got ${slots.length}`);
}

/** The number of slots a rule takes with these hyperparameters (adam: 3 with amsgrad, which only the slot count tells). */
function slotCount(rule: UpdateRule, h: Readonly<Record<string, number>>, given: number): number {
  switch (rule) {
    case 'sgd':
      return h.momentum > 0 ? 1 : 0;
    case 'adam':
      return given === 3 ? 3 : 2;
    case 'adamax':
    case 'nadam':
    case 'adadelta':
      return 2;
    case 'rmsprop':
      return 1 + (h.momentum > 0 ? 1 : 0) + (h.centered !== 0 ? 1 : 0);
    case 'adagrad':
    case 'lion':
      return 1;
  }
}

function sgd(p: Float32Array, g: Float32Array, slots: readonly Float32Array[], h: UpdateHyper<'sgd'>): void {
  const n = p.length;
  const lr = h.lr;
  const mu = h.momentum;
  if (slots.length === 0) {
    for (let i = 0; i < n; i++) p[i] = p[i] - lr * g[i];
    return;
  }
  const v = slots[0];
  const nesterov = h.nesterov !== 0;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const vi = mu * v[i] - lr * gi;
    v[i] = vi;
    p[i] = nesterov ? p[i] + (mu * vi - lr * gi) : p[i] + vi;
  }
}

function adam(p: Float32Array, g: Float32Array, slots: readonly Float32Array[], h: UpdateHyper<'adam'>): void {
  const n = p.length;
  const { lr, beta1: b1, beta2: b2, epsilon: eps, beta1Power: b1p, beta2Power: b2p, decay } = h;
  const alpha = (lr * Math.sqrt(1 - b2p)) / (1 - b1p);
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const m = slots[0];
  const v = slots[1];
  const vhat = slots.length === 3 ? slots[2] : null;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = b1 * m[i] + c1 * gi;
    let vi = b2 * v[i] + c2 * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    if (vhat !== null) {
      const old = vhat[i];
      vi = old > vi ? old : vi;
      vhat[i] = vi;
    }
    const pi = p[i];
    p[i] = pi - decay * pi - (alpha * mi) / (Math.sqrt(vi) + eps);
  }
}

function adamax(p: Float32Array, g: Float32Array, slots: readonly Float32Array[], h: UpdateHyper<'adamax'>): void {
  const n = p.length;
  const { lr, beta1: b1, beta2: b2, epsilon: eps, beta1Power: b1p } = h;
  const step = lr / (1 - b1p);
  const c1 = 1 - b1;
  const m = slots[0];
  const u = slots[1];
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = b1 * m[i] + c1 * gi;
    const decayed = b2 * u[i];
    const ag = Math.abs(gi);
    const ui = decayed > ag ? decayed : ag;
    m[i] = mi;
    u[i] = ui;
    p[i] = p[i] - (step * mi) / (ui + eps);
  }
}

function nadam(p: Float32Array, g: Float32Array, slots: readonly Float32Array[], h: UpdateHyper<'nadam'>): void {
  const n = p.length;
  const { lr, beta1: b1, beta2: b2, epsilon: eps, mu: muT, muNext, muProduct: prodT, muProductNext: prodNext, beta2Power: b2p } = h;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const gScale = 1 / (1 - prodT);
  const mScale = 1 / (1 - prodNext);
  const vScale = 1 / (1 - b2p);
  const oneMinusMu = 1 - muT;
  const m = slots[0];
  const v = slots[1];
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = b1 * m[i] + c1 * gi;
    const vi = b2 * v[i] + c2 * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    const mBar = oneMinusMu * (gi * gScale) + muNext * (mi * mScale);
    p[i] = p[i] - (lr * mBar) / (Math.sqrt(vi * vScale) + eps);
  }
}

function rmsprop(p: Float32Array, g: Float32Array, slots: readonly Float32Array[], h: UpdateHyper<'rmsprop'>): void {
  const n = p.length;
  const { lr, rho, momentum: mu, epsilon: eps, centered: centeredFlag } = h;
  const c = 1 - rho;
  const ms = slots[0];
  const mom = mu > 0 ? slots[1] : null;
  const mg = centeredFlag !== 0 ? slots[slots.length - 1] : null;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const msi = rho * ms[i] + c * (gi * gi);
    ms[i] = msi;
    let d = msi;
    if (mg !== null) {
      const mgi = rho * mg[i] + c * gi;
      mg[i] = mgi;
      d = msi - mgi * mgi;
    }
    if (mom !== null) {
      const mi = mu * mom[i] + (lr * gi) / Math.sqrt(d + eps);
      mom[i] = mi;
      p[i] = p[i] - mi;
    } else {
      p[i] = p[i] - (lr * gi) / (Math.sqrt(d) + eps);
    }
  }
}

function adagrad(p: Float32Array, g: Float32Array, slots: readonly Float32Array[], h: UpdateHyper<'adagrad'>): void {
  const n = p.length;
  const { lr, epsilon: eps } = h;
  const a = slots[0];
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const ai = a[i] + gi * gi;
    a[i] = ai;
    p[i] = p[i] - (lr * gi) / (Math.sqrt(ai) + eps);
  }
}

function lion(p: Float32Array, g: Float32Array, slots: readonly Float32Array[], h: UpdateHyper<'lion'>): void {
  const n = p.length;
  const { lr, beta1: b1, beta2: b2 } = h;
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const m = slots[0];
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const c = b1 * m[i] + c1 * gi;
    const sg = c > 0 ? 1 : c < 0 ? -1 : c;
    p[i] = p[i] - lr * sg;
    m[i] = b2 * m[i] + c2 * gi;
  }
}

function adadelta(p: Float32Array, g: Float32Array, slots: readonly Float32Array[], h: UpdateHyper<'adadelta'>): void {
  const n = p.length;
  const { lr, rho, epsilon: eps } = h;
  const c = 1 - rho;
  const ag = slots[0];
  const av = slots[1];
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const agi = rho * ag[i] + c * (gi * gi);
    const delta = (Math.sqrt(av[i] + eps) / Math.sqrt(agi + eps)) * gi;
    ag[i] = agi;
    av[i] = rho * av[i] + c * (delta * delta);
    p[i] = p[i] - lr * delta;
  }
}
