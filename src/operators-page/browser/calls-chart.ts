import type { JumioCallCount } from './api-types.js';
import { h } from './dom.js';
import { callsByTypeAndOutcome, OUTCOMES, type Outcome } from './format.js';
import uPlot from './uplot.js';

const COLORS: Record<Outcome, string> = {
  answered: '#2f8f5b',
  'not-found': '#7a6fd0',
  'rate-limited': '#e0a100',
  refused: '#d9822b',
  'server-error': '#c8372d',
  'no-answer': '#6b7785',
};

/**
 * The last hour of Jumio calls as stacked bars: one bar per kind of call (status, details, media list, medium),
 * split by outcome. uPlot draws each outcome's running total, tallest first, so the bars read as stacks. The
 * numbers themselves are in the table next to it (the canvas is hidden from screen readers).
 */
export function callsChart(calls: readonly JumioCallCount[], width: number): HTMLElement {
  const { callTypes, counts } = callsByTypeAndOutcome(calls);
  const shown = OUTCOMES.filter((o) => counts[o.key].some((n) => n > 0));
  const running = callTypes.map(() => 0);
  const stacks = shown.map((o) => ({ outcome: o, totals: counts[o.key].map((n, i) => (running[i] += n)) }));
  const xs = callTypes.map((_, i) => i);
  const bars = uPlot.paths.bars!({ size: [0.6, 80], align: 0 });
  const container = h('div', { class: 'chart', 'aria-hidden': 'true' });
  const series: uPlot.Series[] = [{}];
  const data: uPlot.AlignedData = [xs];
  for (const stack of [...stacks].reverse()) {
    series.push({
      label: stack.outcome.label,
      fill: COLORS[stack.outcome.key],
      stroke: COLORS[stack.outcome.key],
      paths: bars,
      points: { show: false },
    });
    data.push(stack.totals);
  }
  const max = Math.max(1, ...running);
  new uPlot(
    {
      width,
      height: 220,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [-0.5, callTypes.length - 0.5] }, y: { range: [0, Math.ceil(max * 1.1)] } },
      axes: [
        { splits: () => xs, values: (_u, splits) => splits.map((i) => callTypes[i] ?? ''), grid: { show: false } },
        { values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')), size: 50 },
      ],
      series,
    },
    data,
    container,
  );
  const legend = h(
    'ul',
    { class: 'chart-legend' },
    shown.map((o) => h('li', null, h('span', { class: `swatch swatch-${o.key}` }), o.label)),
  );
  return h(
    'div',
    { class: 'chart-box' },
    container,
    shown.length ? legend : h('p', { class: 'muted' }, 'No calls to Jumio in the last hour.'),
  );
}
