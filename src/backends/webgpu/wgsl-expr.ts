import { K, M, type MathName } from '../math.js';
import { MATH_WGSL } from './wgsl-math.js';

/**
 * The op table's formulas (backends/op-table.ts) translated to WGSL, the way
 * scripts/gen-ops.mjs translates them to C: from the arrow function's source text
 * (Function.prototype.toString), so each formula is written once, in JavaScript.
 *
 * The expression is parsed (recursive descent, JavaScript precedence) into a tree —
 * ternaries, || && !, === !== == != < <= > >=, + - * /, unary - + !, calls M.name(…),
 * constants K.NAME, the arrow's parameters, numbers, parentheses — and the tree is emitted
 * as WGSL with types: f32, i32 or bool per node, from the parameters' types.
 *
 * JavaScript computes in doubles; the kernels compute in f32 (float32 data) or i32
 * (int32 data), and an int32 result stores JavaScript's number with ToInt32 (truncation,
 * wrapping; NaN/inf → 0). Typing rules:
 *  - i32 op i32 stays i32 for + - * (wrapping: equal to the reference while intermediate
 *    values stay below 2^53 in magnitude) and for comparisons; anything with an f32 operand
 *    is f32 (the i32 operand converted); integer literals take their context's type.
 *  - `/` is real division (f32), except where its value is stored to i32 directly: then it
 *    is the exact truncating integer quotient (m_div_i32, 0 for a zero divisor). Likewise
 *    M.pow on integers stored to i32 is exact integer power (m_pow_i32).
 *  - An f32 value stored to i32 goes through m_to_i32 (ToInt32), pushed into ternary
 *    branches so that an i32 branch is stored exactly.
 *  - `c ? t : f` → select(f, t, c); === → ==; `!==` on floats → !(a == b), which is true
 *    for NaN (drivers compile `!=` as an ordered comparison); `v === v` / `v !== v` on
 *    floats test the bits for NaN (m_isnan) rather than trusting the comparison.
 * Anything outside this grammar throws, naming the formula.
 */

export type WgslType = 'f32' | 'i32';

/** A parsed expression. */
export type Expr =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'var'; readonly i: number }
  | { readonly k: 'const'; readonly name: string; readonly v: number }
  | { readonly k: 'call'; readonly fn: MathName; readonly args: readonly Expr[] }
  | { readonly k: 'unary'; readonly op: '-' | '+' | '!'; readonly a: Expr }
  | { readonly k: 'binary'; readonly op: string; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'cond'; readonly c: Expr; readonly t: Expr; readonly f: Expr };

/** A formula: its parameter names (by position) and its body. */
export interface Formula {
  readonly params: readonly string[];
  readonly body: Expr;
}

const TOKEN = /\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|[A-Za-z_$][\w$]*|===|!==|==|!=|<=|>=|&&|\|\||[-+*/()?:<>!.,]|\S/g;

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: readonly string[],
    private readonly params: readonly string[],
    private readonly where: string,
  ) {}

  fail(msg: string): never {
    throw new Error(`wgsl-expr: ${this.where}: ${msg} (formula: ${this.tokens.join(' ')})`);
  }

  peek(): string | undefined {
    return this.tokens[this.pos];
  }

  next(): string {
    const t = this.tokens[this.pos++];
    if (t === undefined) this.fail('unexpected end');
    return t;
  }

  expect(t: string): void {
    const got = this.next();
    if (got !== t) this.fail(`expected '${t}', got '${got}'`);
  }

  parseAll(): Expr {
    const e = this.cond();
    if (this.pos !== this.tokens.length) this.fail(`unexpected '${this.peek()}'`);
    return e;
  }

  cond(): Expr {
    const c = this.or();
    if (this.peek() !== '?') return c;
    this.next();
    const t = this.cond();
    this.expect(':');
    const f = this.cond();
    return { k: 'cond', c, t, f };
  }

  private left(ops: readonly string[], sub: () => Expr): Expr {
    let l = sub();
    for (let t = this.peek(); t !== undefined && ops.includes(t); t = this.peek()) {
      this.next();
      l = { k: 'binary', op: t, l, r: sub() };
    }
    return l;
  }

  or(): Expr {
    return this.left(['||'], () => this.and());
  }

  and(): Expr {
    return this.left(['&&'], () => this.eq());
  }

  eq(): Expr {
    return this.left(['===', '!==', '==', '!='], () => this.rel());
  }

  rel(): Expr {
    return this.left(['<', '<=', '>', '>='], () => this.add());
  }

  add(): Expr {
    return this.left(['+', '-'], () => this.mul());
  }

  mul(): Expr {
    return this.left(['*', '/'], () => this.unary());
  }

  unary(): Expr {
    const t = this.peek();
    if (t === '-' || t === '+' || t === '!') {
      this.next();
      return { k: 'unary', op: t, a: this.unary() };
    }
    return this.primary();
  }

  primary(): Expr {
    const t = this.next();
    if (t === '(') {
      const e = this.cond();
      this.expect(')');
      return e;
    }
    if (/^(\d|\.\d)/.test(t)) {
      const v = Number(t);
      if (!Number.isFinite(v)) this.fail(`bad number ${t}`);
      return { k: 'num', v };
    }
    if (!/^[A-Za-z_$]/.test(t)) this.fail(`unexpected '${t}'`);
    if (this.peek() === '.') {
      // A member of the math vocabulary (M, lower-case functions) or of the constants (K,
      // upper-case). The object is recognised by its member, not its name: bundlers and
      // minifiers rename imported bindings (M2, e, …). (scripts/gen-ops.mjs, which requires
      // the names M and K, rejects any other object in the table at build time.)
      this.next();
      const name = this.next();
      if (Object.prototype.hasOwnProperty.call(M, name) && this.peek() === '(') {
        this.next();
        const args: Expr[] = [];
        if (this.peek() !== ')') {
          for (;;) {
            args.push(this.cond());
            if (this.peek() !== ',') break;
            this.next();
          }
        }
        this.expect(')');
        const fn = name as MathName;
        if (args.length !== M[fn].length) this.fail(`M.${name} takes ${M[fn].length} argument(s), got ${args.length}`);
        return { k: 'call', fn, args };
      }
      if (Object.prototype.hasOwnProperty.call(K, name)) return { k: 'const', name, v: K[name as keyof typeof K] };
      this.fail(`${t}.${name} is neither in the math vocabulary (M) nor a constant (K)`);
    }
    const i = this.params.indexOf(t);
    if (i < 0) this.fail(`'${t}' is not a parameter of the formula`);
    return { k: 'var', i };
  }
}

const parsed = new WeakMap<object, Formula>();

/** Parses an op-table formula (an arrow function with an expression body) from its source text; cached per function. */
export function parseFormula(fn: (...args: never[]) => number, where: string): Formula {
  let f = parsed.get(fn);
  if (f !== undefined) return f;
  const text = fn.toString();
  const m = /^\s*(?:\(([^)]*)\)|([A-Za-z_$][\w$]*))\s*=>\s*([\s\S]*)$/.exec(text);
  if (m === null) throw new Error(`wgsl-expr: ${where}: expected an arrow function, got ${text}`);
  const params = (m[1] ?? m[2] ?? '').split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  const body = (m[3] ?? '').trim();
  if (body.startsWith('{')) throw new Error(`wgsl-expr: ${where}: the formula must be a single expression, not a block: ${text}`);
  const tokens = body.match(TOKEN) ?? [];
  f = { params, body: new Parser(tokens, params, where).parseAll() };
  parsed.set(fn, f);
  return f;
}

/** Parameter positions an expression reads. */
export function usedVars(e: Expr, into: Set<number> = new Set()): Set<number> {
  switch (e.k) {
    case 'var':
      into.add(e.i);
      break;
    case 'call':
      for (const a of e.args) usedVars(a, into);
      break;
    case 'unary':
      usedVars(e.a, into);
      break;
    case 'binary':
      usedVars(e.l, into);
      usedVars(e.r, into);
      break;
    case 'cond':
      usedVars(e.c, into);
      usedVars(e.t, into);
      usedVars(e.f, into);
      break;
    default:
      break;
  }
  return into;
}

/** A formula parameter in WGSL: an expression (usually a `let` name) and its type. */
export interface WgslVar {
  readonly code: string;
  readonly type: WgslType;
}

/** Node types during emission: 'int' is an integer literal (or literal arithmetic) that adapts to its context. */
type T = 'f32' | 'i32' | 'bool' | 'int';

const ARITH = new Set(['+', '-', '*']);
const COMPARE = new Set(['===', '!==', '==', '!=', '<', '<=', '>', '>=']);
const LOGIC = new Set(['&&', '||']);

/** An f32 WGSL literal for a JavaScript number (rounded to f32, as the data is). */
export function f32Literal(v: number): string {
  const r = Math.fround(v);
  if (!Number.isFinite(r)) throw new Error(`wgsl-expr: the constant ${v} is not a finite f32`);
  let s = String(Math.abs(r));
  if (!/[.e]/.test(s)) s += '.0';
  return r < 0 || Object.is(r, -0) ? `(-${s}f)` : `${s}f`;
}

function i32Literal(v: number): string {
  return v < 0 ? `(${v}i)` : `${v}i`;
}

/** Translates a parsed expression to WGSL. `helpers` collects the wgsl-math helpers it calls. */
export class WgslEmitter {
  readonly helpers = new Set<string>();

  constructor(
    private readonly vars: readonly (WgslVar | undefined)[],
    private readonly where: string,
  ) {}

  private fail(msg: string): never {
    throw new Error(`wgsl-expr: ${this.where}: ${msg}`);
  }

  /** The node's type (as in JavaScript: `/` and non-integer M functions are real). */
  type(e: Expr): T {
    switch (e.k) {
      case 'num':
        return Number.isInteger(e.v) && Math.abs(e.v) <= 2147483647 ? 'int' : 'f32';
      case 'const':
        return 'f32';
      case 'var': {
        const v = this.vars[e.i];
        if (v === undefined) this.fail(`parameter ${e.i} has no value here`);
        return v.type;
      }
      case 'call': {
        const spec: { readonly f: string; readonly i?: string } = MATH_WGSL[e.fn];
        if (spec.i === undefined) return 'f32';
        const t = this.type(e.args[0] as Expr);
        return t === 'bool' ? this.fail(`M.${e.fn} of a boolean`) : t;
      }
      case 'unary': {
        const t = this.type(e.a);
        if (e.op === '!') {
          if (t !== 'bool') this.fail('! of a number');
          return 'bool';
        }
        if (t === 'bool') this.fail(`${e.op} of a boolean`);
        return t;
      }
      case 'binary': {
        if (COMPARE.has(e.op) || LOGIC.has(e.op)) return 'bool';
        const l = this.type(e.l);
        const r = this.type(e.r);
        if (l === 'bool' || r === 'bool') this.fail(`'${e.op}' of a boolean`);
        if (e.op === '/') return 'f32';
        return join(l, r);
      }
      case 'cond': {
        const t = this.type(e.t);
        const f = this.type(e.f);
        if ((t === 'bool') !== (f === 'bool')) this.fail('a ternary mixing booleans and numbers');
        return t === 'bool' ? 'bool' : join(t, f);
      }
    }
  }

  /** WGSL for `e` as a value of type `want`. */
  emit(e: Expr, want: WgslType | 'bool'): string {
    const t = this.type(e);
    if (want === 'bool' || t === 'bool') {
      if (want !== t) this.fail(want === 'bool' ? 'a number used as a condition' : 'a boolean used as a number');
      return this.emitBool(e);
    }
    if (want === 'i32' && t === 'f32') return this.storeInt(e);
    if (want === 'f32' && t === 'i32') return `f32(${this.emitAs(e, 'i32')})`;
    return this.emitAs(e, want);
  }

  /** An f32-typed expression stored as int32 (ToInt32), exact where JavaScript's value is an integer computed from integers. */
  private storeInt(e: Expr): string {
    if (e.k === 'cond') return `select(${this.emit(e.f, 'i32')}, ${this.emit(e.t, 'i32')}, ${this.emit(e.c, 'bool')})`;
    const isInt = (x: Expr): boolean => {
      const t = this.type(x);
      return t === 'i32' || t === 'int';
    };
    if (e.k === 'binary' && e.op === '/' && isInt(e.l) && isInt(e.r)) {
      this.helpers.add('m_div_i32');
      return `m_div_i32(${this.emit(e.l, 'i32')}, ${this.emit(e.r, 'i32')})`;
    }
    if (e.k === 'call' && e.fn === 'pow' && e.args.every(isInt)) {
      this.helpers.add('m_pow_i32');
      return `m_pow_i32(${this.emit(e.args[0] as Expr, 'i32')}, ${this.emit(e.args[1] as Expr, 'i32')})`;
    }
    this.helpers.add('m_to_i32');
    return `m_to_i32(${this.emit(e, 'f32')})`;
  }

  /** `e` (numeric, of type `want` or an adaptable literal) emitted structurally in `want`. */
  private emitAs(e: Expr, want: WgslType): string {
    switch (e.k) {
      case 'num':
        return want === 'i32' ? i32Literal(e.v) : f32Literal(e.v);
      case 'const':
        return f32Literal(e.v);
      case 'var':
        return (this.vars[e.i] as WgslVar).code;
      case 'call': {
        const spec: { readonly f: string; readonly i?: string } = MATH_WGSL[e.fn];
        const name = want === 'i32' ? (spec.i as string) : spec.f;
        this.helpers.add(name);
        const args = e.args.map((a) => this.emit(a, want)).join(', ');
        return name === '' ? `(${args})` : `${name}(${args})`;
      }
      case 'unary':
        return e.op === '-' ? `(-${this.emit(e.a, want)})` : this.emit(e.a, want);
      case 'binary':
        if (!ARITH.has(e.op) && e.op !== '/') this.fail(`unexpected '${e.op}'`);
        return `(${this.emit(e.l, want)} ${e.op} ${this.emit(e.r, want)})`;
      case 'cond':
        return `select(${this.emit(e.f, want)}, ${this.emit(e.t, want)}, ${this.emit(e.c, 'bool')})`;
    }
  }

  private emitBool(e: Expr): string {
    if (e.k === 'unary') return `!(${this.emit(e.a, 'bool')})`;
    if (e.k === 'cond') return `select(${this.emit(e.f, 'bool')}, ${this.emit(e.t, 'bool')}, ${this.emit(e.c, 'bool')})`;
    if (e.k !== 'binary') this.fail('a number used as a condition');
    if (LOGIC.has(e.op)) return `(${this.emit(e.l, 'bool')} ${e.op} ${this.emit(e.r, 'bool')})`;
    const lt = this.type(e.l);
    const rt = this.type(e.r);
    if (lt === 'bool' || rt === 'bool') this.fail(`'${e.op}' of booleans`);
    const j = join(lt, rt);
    const ty: WgslType = j === 'f32' ? 'f32' : 'i32';
    const equal = e.op === '===' || e.op === '==';
    const notEqual = e.op === '!==' || e.op === '!=';
    if (ty === 'f32' && (equal || notEqual) && e.l.k === 'var' && e.r.k === 'var' && e.l.i === e.r.i) {
      this.helpers.add('m_special');
      const v = this.emit(e.l, 'f32');
      return equal ? `!m_isnan(${v})` : `m_isnan(${v})`;
    }
    const l = this.emit(e.l, ty);
    const r = this.emit(e.r, ty);
    if (equal) return `(${l} == ${r})`;
    if (notEqual) return ty === 'f32' ? `!(${l} == ${r})` : `(${l} != ${r})`;
    return `(${l} ${e.op} ${r})`;
  }
}

function join(a: T, b: T): T {
  if (a === 'f32' || b === 'f32') return 'f32';
  if (a === 'i32' || b === 'i32') return 'i32';
  return 'int';
}

/**
 * WGSL for an op-table formula: `fn`'s parameters (by position) bound to `vars` (undefined
 * for a parameter the caller does not supply; the formula must not read it), the value
 * produced as `want`. Returns the expression and the wgsl-math helpers it needs.
 */
export function formulaToWgsl(fn: (...args: never[]) => number, vars: readonly (WgslVar | undefined)[], want: WgslType, where: string): { code: string; helpers: Set<string> } {
  const f = parseFormula(fn, where);
  const em = new WgslEmitter(vars, where);
  return { code: em.emit(f.body, want), helpers: em.helpers };
}
