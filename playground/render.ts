/**
 * Drawing for the Playground: the decision-boundary heat map with the data points on top,
 * the loss curves, and the small data-set previews.
 */
import { DOMAIN } from './protocol.js';

type Rgb = readonly [number, number, number];
const ORANGE: Rgb = [245, 147, 34];
const NEUTRAL: Rgb = [232, 234, 235];
const BLUE: Rgb = [8, 119, 189];

/** Colour of a model output p = P(class 1): orange at 0, light grey at 0.5, blue at 1. */
export function colorOf(p: number): Rgb {
  const t = Math.min(1, Math.max(0, p)) * 2 - 1;
  const [a, b, u] = t < 0 ? [NEUTRAL, ORANGE, -t] : [NEUTRAL, BLUE, t];
  return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u];
}

function css(c: Rgb): string {
  return `rgb(${c.map(Math.round).join(',')})`;
}

/** Canvas x (or y, flipped) of a data coordinate in [-DOMAIN, DOMAIN]. */
function toPixel(v: number, size: number, flip = false): number {
  const u = (v + DOMAIN) / (2 * DOMAIN);
  return (flip ? 1 - u : u) * size;
}

/** The heat map of a res × res grid (row 0 at the top), drawn to fill the canvas. */
export function drawHeatmap(ctx: CanvasRenderingContext2D, grid: Float32Array, res: number, discretize: boolean): void {
  const img = new ImageData(res, res);
  for (let i = 0; i < res * res; i++) {
    const p = grid[i] as number;
    const [r, g, b] = colorOf(discretize ? (p >= 0.5 ? 1 : 0) : p);
    // The background is paler than the points so they stay visible.
    img.data[4 * i] = r + (255 - r) * 0.25;
    img.data[4 * i + 1] = g + (255 - g) * 0.25;
    img.data[4 * i + 2] = b + (255 - b) * 0.25;
    img.data[4 * i + 3] = 255;
  }
  const small = new OffscreenCanvas(res, res);
  (small.getContext('2d') as OffscreenCanvasRenderingContext2D).putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = !discretize;
  ctx.drawImage(small, 0, 0, ctx.canvas.width, ctx.canvas.height);
}

/**
 * One hidden neuron's output over a res × res grid (values[cell · stride + offset]), drawn
 * to fill the canvas: -1 orange, 0 grey, 1 blue (clipped outside [-1, 1]).
 */
export function drawNeuron(ctx: CanvasRenderingContext2D, values: Float32Array, res: number, stride: number, offset: number): void {
  const img = new ImageData(res, res);
  for (let i = 0; i < res * res; i++) {
    const v = Math.min(1, Math.max(-1, values[i * stride + offset] as number));
    const [r, g, b] = colorOf((v + 1) / 2);
    img.data.set([r, g, b, 255], 4 * i);
  }
  const small = new OffscreenCanvas(res, res);
  (small.getContext('2d') as OffscreenCanvasRenderingContext2D).putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, 0, 0, ctx.canvas.width, ctx.canvas.height);
}

/** Data points as (x1, x2, label) triples; `outline` marks test points. */
export function drawPoints(ctx: CanvasRenderingContext2D, points: Float32Array, outline: string, radius = 4): void {
  const { width, height } = ctx.canvas;
  ctx.lineWidth = 1;
  ctx.strokeStyle = outline;
  for (let i = 0; i + 2 < points.length; i += 3) {
    ctx.beginPath();
    ctx.arc(toPixel(points[i] as number, width), toPixel(points[i + 1] as number, height, true), radius, 0, 2 * Math.PI);
    ctx.fillStyle = css(points[i + 2] === 1 ? BLUE : ORANGE);
    ctx.fill();
    ctx.stroke();
  }
}

/** Axis ticks at every even integer along the bottom and left edges. */
export function drawAxes(ctx: CanvasRenderingContext2D): void {
  const { width, height } = ctx.canvas;
  ctx.fillStyle = 'rgba(0,0,0,0.55)';
  ctx.font = '10px system-ui, sans-serif';
  for (let v = -DOMAIN + 2; v < DOMAIN; v += 2) {
    ctx.fillText(String(v), toPixel(v, width) - 4, height - 3);
    ctx.fillText(String(v), 2, toPixel(v, height, true) + 3);
  }
}

/** A blank plane (before the first model output arrives). */
export function clear(ctx: CanvasRenderingContext2D): void {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
}

/** Training (grey) and test (black) loss per update, scaled to the largest loss seen. */
export function drawLossChart(ctx: CanvasRenderingContext2D, train: readonly number[], test: readonly number[]): void {
  const { width, height } = ctx.canvas;
  ctx.clearRect(0, 0, width, height);
  const finite = [...train, ...test].filter(Number.isFinite);
  if (finite.length === 0) return;
  const top = Math.max(...finite, 1e-6);
  const n = Math.max(train.length, test.length);
  for (const [series, color] of [[train, '#999'], [test, '#000']] as const) {
    ctx.beginPath();
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    series.forEach((v, i) => {
      const x = n === 1 ? width : (i / (n - 1)) * width;
      const y = height - 2 - (Number.isFinite(v) ? v / top : 1) * (height - 4);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
}
