/** Rates over the last two minutes as inline SVG lines, with a scale in MiB/s (nothing loaded: the CSP holds). */
import { formatRate } from '../../src/human-units.js';
import { RATE_WINDOW_MS, niceScale, type RatePoint } from './party-model.js';

export interface GraphSeries {
  key: string;
  label: string;
  /** A CSS class giving the line its colour (app.css, `.series-*`). */
  tone: string;
  points: readonly RatePoint[];
}

const WIDTH = 600;
const HEIGHT = 160;
const TOP = 8;

export function ThroughputGraph(props: { series: readonly GraphSeries[]; nowMs: number }) {
  const max = niceScale(
    Math.max(0, ...props.series.flatMap((s) => s.points.map((p) => p.bytesPerSecond))),
  );
  const x = (atMs: number): number => WIDTH - ((props.nowMs - atMs) / RATE_WINDOW_MS) * WIDTH;
  const y = (rate: number): number => HEIGHT - (rate / max) * (HEIGHT - TOP);
  const summary = props.series
    .map((s) => `${s.label}: ${formatRate(s.points.at(-1)?.bytesPerSecond ?? 0)}`)
    .join(', ');
  return (
    <figure className="throughput">
      <div className="graph-area">
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          role="img"
          aria-label={`Throughput over the last 2 minutes. ${summary}`}
          preserveAspectRatio="none"
        >
          {[0.25, 0.5, 0.75, 1].map((f) => (
            <line key={f} className="grid" x1={0} x2={WIDTH} y1={y(max * f)} y2={y(max * f)} />
          ))}
          {props.series.map((s) =>
            s.points.length < 2 ? null : (
              <polyline
                key={s.key}
                className={`series ${s.tone}`}
                points={s.points
                  .map((p) => `${x(p.atMs).toFixed(1)},${y(p.bytesPerSecond).toFixed(1)}`)
                  .join(' ')}
                vectorEffect="non-scaling-stroke"
              />
            ),
          )}
        </svg>
        <span className="graph-max" aria-hidden="true">
          {formatRate(max)}
        </span>
      </div>
      <div className="graph-scale" aria-hidden="true">
        <span>2 min ago</span>
        <span>now</span>
      </div>
      <figcaption>
        <ul className="graph-legend">
          {props.series.map((s) => (
            <li key={s.key}>
              <span className={`swatch ${s.tone}`} aria-hidden="true" />
              {s.label} <strong>{formatRate(s.points.at(-1)?.bytesPerSecond ?? 0)}</strong>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
