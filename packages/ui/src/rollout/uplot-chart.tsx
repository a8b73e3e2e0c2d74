import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartLine {
  readonly label: string;
  /** A CSS custom property of the chart's element, e.g. "--canary-color". */
  readonly colorVar: string;
  readonly dashed?: boolean;
}

export interface ChartProps {
  readonly data: uPlot.AlignedData;
  readonly lines: readonly ChartLine[];
  readonly format: (value: number) => string;
  /** Horizontal lines (the guard's limits). */
  readonly limits: readonly { readonly value: number; readonly label: string }[];
  /** Vertical lines at step starts, x in seconds. */
  readonly marks: readonly { readonly x: number; readonly label: string }[];
  readonly height: number;
}

/** `text`, cut with an ellipsis to `max` pixels so a long limit label stays inside the plot. */
function fitted(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  if (ctx.measureText(text).width <= max) return text;
  let end = text.length;
  while (end > 1 && ctx.measureText(`${text.slice(0, end)}…`).width > max) end -= 1;
  return `${text.slice(0, end)}…`;
}

function drawGuides(u: uPlot, props: { current: ChartProps }, colors: { mark: string; limit: string }): void {
  const { ctx, bbox } = u;
  const dpr = devicePixelRatio;
  ctx.save();
  ctx.lineWidth = dpr;
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  ctx.setLineDash([4 * dpr, 4 * dpr]);
  ctx.strokeStyle = ctx.fillStyle = colors.mark;
  for (const m of props.current.marks) {
    const x = Math.round(u.valToPos(m.x, 'x', true));
    if (x < bbox.left || x > bbox.left + bbox.width) continue;
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
    ctx.fillText(m.label, x + 3 * dpr, bbox.top + 11 * dpr);
  }
  ctx.setLineDash([]);
  ctx.strokeStyle = ctx.fillStyle = colors.limit;
  for (const l of props.current.limits) {
    const y = Math.round(u.valToPos(l.value, 'y', true));
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
    const label = fitted(ctx, l.label, bbox.width - 8 * dpr);
    ctx.fillText(label, bbox.left + bbox.width - ctx.measureText(label).width - 4 * dpr, y - 4 * dpr);
  }
  ctx.restore();
}

function makeOptions(el: HTMLElement, props: { current: ChartProps }): uPlot.Options {
  const css = getComputedStyle(el);
  const color = (name: string) => css.getPropertyValue(name).trim() || '#888';
  const axis = { stroke: color('--muted'), grid: { stroke: color('--border'), width: 1 }, ticks: { stroke: color('--border'), width: 1 } };
  const p = props.current;
  return {
    width: Math.max(200, el.clientWidth),
    height: p.height,
    scales: {
      x: { time: true },
      y: { range: (_u, _min, max) => [0, Math.max(max || 0, ...p.limits.map((l) => l.value * 1.15), 1e-9) * 1.05] },
    },
    axes: [{ ...axis }, { ...axis, size: 60, values: (_u, ticks) => ticks.map((t) => props.current.format(t)) }],
    series: [{}, ...p.lines.map((l) => ({ label: l.label, stroke: color(l.colorVar), width: 2, spanGaps: false, ...(l.dashed ? { dash: [6, 4] } : {}), value: (_u: uPlot, v: number | null) => (v === null ? '—' : props.current.format(v)) }))],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    hooks: { draw: [(u) => drawGuides(u, props, { mark: color('--muted'), limit: color('--danger') })] },
  };
}

/**
 * A uPlot time series that keeps its canvas across updates (setData), follows its container's width,
 * and is rebuilt when the system switches between light and dark.
 */
export function UplotChart(props: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const latest = useRef(props);
  latest.current = props;
  useEffect(() => {
    const host = el.current;
    if (host === null) return undefined;
    const build = () => {
      plot.current?.destroy();
      plot.current = new uPlot(makeOptions(host, latest), latest.current.data, host);
    };
    build();
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, host.clientWidth), height: latest.current.height }));
    resize.observe(host);
    const dark = matchMedia('(prefers-color-scheme: dark)');
    dark.addEventListener('change', build);
    return () => {
      resize.disconnect();
      dark.removeEventListener('change', build);
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, []);
  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data]);
  return <div ref={el} class="chart-canvas" aria-hidden="true" style={{ minHeight: `${props.height}px` }} />;
}
