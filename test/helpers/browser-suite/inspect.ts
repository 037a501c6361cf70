/**
 * A compact `util.inspect` for the browser shims: readable values in assertion messages and
 * `util.inspect`/`util.format`. Close to Node's style (quoted strings, -0, typed arrays with
 * their type and length, class names, Map/Set, depth and length limits), not byte-identical.
 */

export interface InspectOptions {
  depth?: number;
  maxArrayLength?: number;
  maxStringLength?: number;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function quote(s: string): string {
  const body = s.replace(/[\\'\n\r\t\u0000-\u001f]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case "'":
        return "\\'";
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
  return `'${body}'`;
}

function number(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

function isTypedArray(v: unknown): v is ArrayLike<number | bigint> & ArrayBufferView {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function constructorName(v: object): string | null {
  const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
  if (proto === null) return null;
  return proto.constructor?.name ?? null;
}

export function inspect(value: unknown, options: InspectOptions = {}): string {
  const depth = options.depth ?? 2;
  const maxArray = options.maxArrayLength ?? 100;
  const maxString = options.maxStringLength ?? 10000;
  const seen: object[] = [];

  const fmt = (v: unknown, level: number): string => {
    switch (typeof v) {
      case 'string':
        return quote(v.length > maxString ? `${v.slice(0, maxString)}... ${v.length - maxString} more characters` : v);
      case 'number':
        return number(v);
      case 'bigint':
        return `${v}n`;
      case 'boolean':
      case 'undefined':
        return String(v);
      case 'symbol':
        return v.toString();
      case 'function': {
        const src = Function.prototype.toString.call(v);
        const name = (v as { name?: string }).name;
        if (/^class\b/.test(src)) return `[class ${name || '(anonymous)'}]`;
        return `[Function: ${name || '(anonymous)'}]`;
      }
      default:
        break;
    }
    if (v === null) return 'null';
    const o = v as object;
    if (seen.includes(o)) return '[Circular]';
    if (o instanceof Error) return o.stack && o.stack.includes(o.message) ? o.stack.split('\n').slice(0, 3).join('\n') : `${o.name}: ${o.message}`;
    if (o instanceof Date) return Number.isNaN(o.getTime()) ? 'Invalid Date' : o.toISOString();
    if (o instanceof RegExp) return o.toString();
    if (o instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${o.byteLength} }`;
    if (o instanceof DataView) return `DataView { byteLength: ${o.byteLength}, byteOffset: ${o.byteOffset} }`;
    if (o instanceof Number || o instanceof String || o instanceof Boolean) return `[${constructorName(o)}: ${fmt(o.valueOf(), level)}]`;
    const name = constructorName(o);
    if (level > depth) {
      if (Array.isArray(o)) return '[Array]';
      return `[${name ?? 'Object: null prototype'}]`;
    }
    seen.push(o);
    try {
      const items: string[] = [];
      let prefix = '';
      let open = '{';
      let close = '}';
      if (Array.isArray(o) || isTypedArray(o)) {
        const arr = o as ArrayLike<unknown>;
        open = '[';
        close = ']';
        if (isTypedArray(o)) prefix = `${name ?? 'TypedArray'}(${arr.length}) `;
        else if (name !== 'Array') prefix = `${name ?? '[Array: null prototype]'}(${arr.length}) `;
        const n = Math.min(arr.length, maxArray);
        let holes = 0;
        for (let i = 0; i < n; i++) {
          if (!(i in (arr as object))) {
            holes++;
            continue;
          }
          if (holes > 0) {
            items.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`);
            holes = 0;
          }
          items.push(fmt(arr[i], level + 1));
        }
        if (holes > 0) items.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`);
        if (arr.length > n) items.push(`... ${arr.length - n} more item${arr.length - n > 1 ? 's' : ''}`);
        if (!isTypedArray(o)) for (const k of Object.keys(o)) if (!/^(0|[1-9]\d*)$/.test(k)) items.push(`${IDENT.test(k) ? k : quote(k)}: ${fmt((o as unknown as Record<string, unknown>)[k], level + 1)}`);
      } else if (o instanceof Map) {
        prefix = `${name ?? 'Map'}(${o.size}) `;
        for (const [k, val] of o) items.push(`${fmt(k, level + 1)} => ${fmt(val, level + 1)}`);
      } else if (o instanceof Set) {
        prefix = `${name ?? 'Set'}(${o.size}) `;
        for (const val of o) items.push(fmt(val, level + 1));
      } else {
        if (name === null) prefix = '[Object: null prototype] ';
        else if (name !== 'Object') prefix = `${name} `;
        for (const k of Object.keys(o)) items.push(`${IDENT.test(k) ? k : quote(k)}: ${fmt((o as Record<string, unknown>)[k], level + 1)}`);
        for (const s of Object.getOwnPropertySymbols(o)) {
          if (Object.prototype.propertyIsEnumerable.call(o, s)) items.push(`[${s.toString()}]: ${fmt((o as Record<symbol, unknown>)[s], level + 1)}`);
        }
      }
      if (items.length === 0) return `${prefix}${open}${close}`;
      const line = `${prefix}${open} ${items.join(', ')} ${close}`;
      if (line.length <= 76 && !line.includes('\n')) return line;
      const pad = '  '.repeat(level + 1);
      return `${prefix}${open}\n${items.map((s) => pad + s.split('\n').join(`\n${pad}`)).join(',\n')}\n${'  '.repeat(level)}${close}`;
    } finally {
      seen.pop();
    }
  };
  return fmt(value, 0);
}

/** util.format: %s %d %i %f %j %o %O %c %%, then the remaining arguments inspected. */
export function format(...args: unknown[]): string {
  if (args.length === 0) return '';
  const first = args[0];
  let rest = args.slice(1);
  let out: string;
  if (typeof first === 'string') {
    out = first.replace(/%([sdifjoOc%])/g, (m, c: string) => {
      if (c === '%') return '%';
      if (rest.length === 0) return m;
      const v = rest[0];
      rest = rest.slice(1);
      switch (c) {
        case 's':
          return typeof v === 'string' ? v : typeof v === 'object' && v !== null ? inspect(v, { depth: 1 }) : String(v);
        case 'd':
        case 'i': {
          if (typeof v === 'bigint') return `${v}n`;
          const n = Number(v);
          return number(c === 'i' ? Math.trunc(n) : n);
        }
        case 'f':
          return number(Number(v));
        case 'j':
          try {
            return JSON.stringify(v);
          } catch {
            return '[Circular]';
          }
        case 'c':
          return '';
        default:
          return inspect(v, { depth: c === 'o' ? 4 : 2 });
      }
    });
  } else {
    out = inspect(first);
  }
  for (const v of rest) out += ` ${typeof v === 'string' ? v : inspect(v)}`;
  return out;
}
