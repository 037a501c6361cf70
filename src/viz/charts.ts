/**
 * Small SVG line charts shared by TrainingMonitor (curves.svg/png) and the training board:
 * panels with axes, ticks, labels, one polyline per series and a legend, plus the file
 * helpers both need (SVG → PNG through sharp, atomic writes).
 *
 * Every series becomes `<polyline class="series" data-series="NAME" points="…">` with one
 * point per finite value, and a dot per point, so a reader (or a test) can count epochs.
 */
import { loadSharp } from '../data/image/io.js';

/** One line of a chart: y values at x = 1, 2, … (or at `x`). Non-finite values are left out. */
export interface ChartSeries {
  readonly name: string;
  readonly values: readonly (number | null)[];
  /** x positions (default 1, 2, …, as epochs are counted). */
  readonly x?: readonly number[];
  /** CSS colour (default: from the palette by position). */
  readonly color?: string;
  /** Dashed line (validation series are drawn dashed by default). */
  readonly dashed?: boolean;
}

/** One chart panel. */
export interface ChartPanel {
  readonly title: string;
  readonly series: readonly ChartSeries[];
  /** Axis labels (default x 'epoch', y none). */
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Logarithmic y axis (for learning rates); falls back to linear when a value is ≤ 0. */
  readonly logY?: boolean;
}

/** Layout of a chart document. */
export interface ChartOptions {
  /** Size of one panel in px (default 460 × 300). */
  readonly panelWidth?: number;
  readonly panelHeight?: number;
  /** Panels per row (default: all in one row). */
  readonly columns?: number;
  /** A heading above the panels. */
  readonly title?: string;
}

/** The line colours, in order (Matplotlib's tab10 start). */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

const FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif";

/** Escapes text for SVG/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Round tick positions covering [lo, hi] (1, 2 or 5 × a power of ten apart), at most about `count`. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  // Multiples of the step, rounded so that 1 + 5 × 0.2 is 2 and not 2.0000000000000004.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  return ticks;
}

/** A tick label: short and exact enough (1e-3 style for tiny or huge values). */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) {
    const [m, e] = v.toExponential().split('e');
    return `${Number(Number(m).toPrecision(3))}e${Number(e)}`;
  }
  return String(Number(v.toPrecision(4)));
}

interface Scale {
  readonly ticks: number[];
  readonly map: (v: number) => number;
}

function linearScale(lo: number, hi: number, from: number, to: number, count: number): Scale {
  const ticks = niceTicks(lo, hi, count);
  const a = Math.min(lo, ticks[0] ?? lo);
  const b = Math.max(hi, ticks[ticks.length - 1] ?? hi);
  const span = b - a || 1;
  return { ticks, map: (v) => from + ((v - a) / span) * (to - from) };
}

function logScale(lo: number, hi: number, from: number, to: number): Scale {
  let a = Math.floor(Math.log10(lo));
  let b = Math.ceil(Math.log10(hi));
  if (a === b) {
    a -= 1;
    b += 1;
  }
  const ticks: number[] = [];
  for (let e = a; e <= b; e++) ticks.push(Number(`1e${e}`));
  return { ticks, map: (v) => from + ((Math.log10(v) - a) / (b - a)) * (to - from) };
}

const fmt = (v: number): string => String(Math.round(v * 10) / 10);

/** The points of a series as [x, y] pairs with finite y. */
function seriesPoints(s: ChartSeries): [number, number][] {
  const pts: [number, number][] = [];
  s.values.forEach((v, i) => {
    const x = s.x?.[i] ?? i + 1;
    if (typeof v === 'number' && Number.isFinite(v) && Number.isFinite(x)) pts.push([x, v]);
  });
  return pts;
}

/** One panel as an SVG group at (left, top), `width` × `height` px. */
export function panelSvg(panel: ChartPanel, left: number, top: number, width: number, height: number): string {
  const plot = { x0: left + 62, x1: left + width - 14, y0: top + 34, y1: top + height - 66 };
  const all = panel.series.map(seriesPoints);
  const xs = all.flat().map((p) => p[0]);
  const ys = all.flat().map((p) => p[1]);
  const out: string[] = [`<g class="panel" data-title="${escapeXml(panel.title)}">`];
  out.push(`<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${fmt(left + width / 2)}" y="${top + 20}" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(panel.title)}</text>`);
  out.push(`<rect x="${plot.x0}" y="${plot.y0}" width="${plot.x1 - plot.x0}" height="${plot.y1 - plot.y0}" fill="none" stroke="#444" stroke-width="1"/>`);
  const xMax = xs.length ? Math.max(...xs) : 1;
  const xMin = xs.length ? Math.min(...xs) : 1;
  // Data stay 8 px inside the frame so end points and their dots are not cut.
  const xScale = linearScale(Math.min(xMin, 1), Math.max(xMax, 2), plot.x0 + 8, plot.x1 - 8, 6);
  const xTicks = xScale.ticks.filter((t) => Number.isInteger(t) && t >= Math.min(xMin, 1));
  const positive = ys.length > 0 && ys.every((v) => v > 0);
  const [yb, yt] = [plot.y1 - 8, plot.y0 + 8];
  const yScale = ys.length === 0 ? linearScale(0, 1, yb, yt, 5) : panel.logY && positive ? logScale(Math.min(...ys), Math.max(...ys), yb, yt) : linearScale(Math.min(...ys), Math.max(...ys), yb, yt, 6);
  out.push('<g class="axis x-axis" font-size="11" text-anchor="middle">');
  for (const t of xTicks) {
    const x = fmt(xScale.map(t));
    out.push(`<line x1="${x}" y1="${plot.y1}" x2="${x}" y2="${plot.y1 + 5}" stroke="#444"/><text x="${x}" y="${plot.y1 + 18}">${formatTick(t)}</text>`);
  }
  out.push(`<text class="axis-label" x="${fmt((plot.x0 + plot.x1) / 2)}" y="${plot.y1 + 34}" font-size="12">${escapeXml(panel.xLabel ?? 'epoch')}</text></g>`);
  out.push('<g class="axis y-axis" font-size="11" text-anchor="end">');
  for (const t of yScale.ticks) {
    const y = fmt(yScale.map(t));
    out.push(`<line x1="${plot.x0}" y1="${y}" x2="${plot.x1}" y2="${y}" stroke="#e4e4e4"/><line x1="${plot.x0 - 5}" y1="${y}" x2="${plot.x0}" y2="${y}" stroke="#444"/><text x="${plot.x0 - 8}" y="${fmt(yScale.map(t) + 4)}">${formatTick(t)}</text>`);
  }
  if (panel.yLabel) {
    const cy = fmt((plot.y0 + plot.y1) / 2);
    out.push(`<text class="axis-label" x="${left + 14}" y="${cy}" font-size="12" text-anchor="middle" transform="rotate(-90 ${left + 14} ${cy})">${escapeXml(panel.yLabel)}</text>`);
  }
  out.push('</g>');
  panel.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const dashed = s.dashed ?? s.name.startsWith('val_');
    const pts = all[i].map(([x, y]) => `${fmt(xScale.map(x))},${fmt(yScale.map(y))}`);
    out.push(`<polyline class="series" data-series="${escapeXml(s.name)}" points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    if (pts.length <= 200) out.push(`<g class="markers" fill="${color}">${pts.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2.5"/>`).join('')}</g>`);
  });
  // The legend, below the x-axis label.
  out.push('<g class="legend" font-size="12">');
  let lx = plot.x0;
  const ly = top + height - 14;
  panel.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const dashed = s.dashed ?? s.name.startsWith('val_');
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="6 4"' : ''}/><text x="${lx + 27}" y="${ly}">${escapeXml(s.name)}</text>`);
    lx += 40 + s.name.length * 7;
  });
  if (panel.series.length === 0 || ys.length === 0) out.push(`<text x="${fmt((plot.x0 + plot.x1) / 2)}" y="${fmt((plot.y0 + plot.y1) / 2)}" text-anchor="middle" fill="#888">no data yet</text>`);
  out.push('</g></g>');
  return out.join('');
}

/** A complete SVG document with the panels in a grid (white background). */
export function chartSvg(panels: readonly ChartPanel[], options: ChartOptions = {}): string {
  const w = options.panelWidth ?? 460;
  const h = options.panelHeight ?? 300;
  const columns = Math.max(1, Math.min(options.columns ?? panels.length, panels.length || 1));
  const rows = Math.max(1, Math.ceil(panels.length / columns));
  const head = options.title ? 30 : 0;
  const width = columns * w;
  const height = rows * h + head;
  const body = panels.map((p, i) => panelSvg(p, (i % columns) * w, head + Math.floor(i / columns) * h, w, h));
  const title = options.title ? `<text x="${width / 2}" y="21" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(options.title)}</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">` + `<rect width="${width}" height="${height}" fill="#ffffff"/>${title}${body.join('')}</svg>\n`;
}

/**
 * Renders an SVG document to PNG bytes with sharp (librsvg). The SVG's px are taken at 96
 * dpi, so `dpi` 96 (the default) gives one PNG pixel per SVG px and 192 twice as many.
 */
export async function svgToPng(svg: string, dpi = 96): Promise<Buffer> {
  if (!(typeof dpi === 'number' && Number.isFinite(dpi) && dpi > 0)) throw new RangeError(`svgToPng: dpi must be a positive number; got ${String(dpi)}`);
  const sharp = await loadSharp();
  return sharp(Buffer.from(svg), { density: (72 * dpi) / 96 }).png().toBuffer();
}

/** Writes a file so that readers never see half of it: a temporary file next to it, then rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
