/** @module One uPlot chart as a preact component: created once per series layout, fed new data in place. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from '../html.js';

const HEIGHT = 170;

export function UPlotChart({ options, data, testid, total }) {
  const holder = useRef(null);
  const chart = useRef(null);
  const layout = JSON.stringify(options.series.map((s) => s.label));

  useEffect(() => {
    const el = holder.current;
    chart.current = new uPlot({ ...options, width: Math.max(200, el.clientWidth), height: HEIGHT }, data, el);
    const resize = new window.ResizeObserver(() => chart.current?.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, [layout]);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  return html`<div class="chart" ref=${holder} data-testid=${testid} data-total=${total}></div>`;
}
