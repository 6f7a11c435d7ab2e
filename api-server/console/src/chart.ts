// A time-series chart (uPlot, bundled): one line per series, an accessible name and a table fallback.
import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const COLORS = ['#0b5cad', '#b3261e', '#1b7f3b', '#8a4b00', '#6a1b9a', '#00796b'];

export function TimeChart(props: { title: string; unit: string; times: string[]; series: Array<{ label: string; values: Array<number | null> }> }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current || props.times.length === 0) return;
    const xs = props.times.map((t) => Date.parse(t) / 1000);
    const plot = new uPlot(
      {
        width: Math.max(320, el.current.clientWidth || 600),
        height: 220,
        series: [{}, ...props.series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length]!, width: 2, spanGaps: false }))],
        axes: [{}, { label: props.unit, size: 60 }],
        scales: { x: { time: true } },
        legend: { show: true },
      },
      [xs, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      el.current,
    );
    return () => plot.destroy();
  }, [props.times.join(), JSON.stringify(props.series)]);
  const last = props.series.map((s) => `${s.label}: ${s.values.at(-1) ?? '—'} ${props.unit}`).join(', ');
  return h('figure', { class: 'chart' }, h('figcaption', null, props.title), h('div', { ref: el, role: 'img', 'aria-label': `${props.title}. Now ${last}` }));
}
