// Charts for the transcript page, drawn on the server as SVG: no JavaScript, nothing inline that
// the Content-Security-Policy forbids (geometry is in presentation attributes, colours in
// review.css), and they print.

const f1 = (x: number) => x.toFixed(1);
const px = (x: number) => String(Math.round(x * 10) / 10);

/** One horizontal bar per topic, 0..10, its name above it (topic names are long in English). */
export function TopicBars(props: { rows: Array<{ label: string; score: number }>; title: string }) {
  const row = 32;
  const bar = 240;
  const height = Math.max(1, props.rows.length) * row + 2;
  return (
    <svg class="rv-chart rv-topics" viewBox={`0 0 ${bar + 40} ${height}`} role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {props.rows.map((r, i) => {
        const y = i * row;
        return (
          <g>
            <text class="rv-label" x="0" y={String(y + 12)}>
              {r.label}
            </text>
            <rect class="rv-track" x="0" y={String(y + 16)} width={String(bar)} height="12" rx="3" />
            <rect class="rv-fill" x="0" y={String(y + 16)} width={px(Math.max(1, (bar * Math.max(0, Math.min(10, r.score))) / 10))} height="12" rx="3" />
            <text class="rv-value" x={String(bar + 6)} y={String(y + 27)}>
              {f1(r.score)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export interface CoverageRow {
  label: string;
  met: number;
  partial: number;
  missed: number;
}

/** Key points met / partial / missed per question, as stacked bars of equal length. */
export function CoverageBars(props: { rows: CoverageRow[]; title: string; names: { met: string; partial: string; missed: string } }) {
  const row = 22;
  const label = 30;
  const bar = 240;
  const top = 22;
  const height = top + Math.max(1, props.rows.length) * row + 2;
  const parts = ['met', 'partial', 'missed'] as const;
  return (
    <svg class="rv-chart rv-coverage" viewBox={`0 0 ${label + bar + 10} ${height}`} role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {parts.map((p, i) => (
        <g>
          <rect class={`rv-kp-${p}`} x={String(label + i * 80)} y="4" width="10" height="10" />
          <text class="rv-legend" x={String(label + i * 80 + 14)} y="13">
            {props.names[p]}
          </text>
        </g>
      ))}
      {props.rows.map((r, i) => {
        const y = top + i * row;
        const n = r.met + r.partial + r.missed;
        let x = label;
        return (
          <g>
            <text class="rv-label" x={String(label - 6)} y={px(y + 12)} text-anchor="end">
              {r.label}
            </text>
            {n === 0 ? (
              <rect class="rv-track" x={String(label)} y={String(y)} width={String(bar)} height="16" />
            ) : (
              parts.map((p) => {
                const w = (bar * r[p]) / n;
                const at = x;
                x += w;
                return w > 0 ? (
                  <rect class={`rv-kp-${p}`} x={px(at)} y={String(y)} width={px(w)} height="16">
                    <title>{`${props.names[p]}: ${r[p]}`}</title>
                  </rect>
                ) : null;
              })
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** Overall score (0..10) of each of the candidate's sessions over time; the current one marked. */
export function ProgressLine(props: { points: Array<{ at: number; score: number; current: boolean; label: string }>; title: string }) {
  const w = 290;
  const h = 150;
  const left = 28;
  const right = 12;
  const top = 10;
  const bottom = 24;
  const pts = props.points;
  const t0 = pts[0]?.at ?? 0;
  const t1 = pts[pts.length - 1]?.at ?? 0;
  // Spaced by time; sessions on one day (or a single one) spread evenly instead of piling up.
  const byTime = t1 - t0 > 86_400_000;
  const xOf = (i: number, at: number) =>
    pts.length <= 1 ? left + (w - left - right) / 2 : left + (w - left - right) * (byTime ? (at - t0) / (t1 - t0) : i / (pts.length - 1));
  const yOf = (score: number) => top + (h - top - bottom) * (1 - Math.max(0, Math.min(10, score)) / 10);
  const coords = pts.map((p, i) => `${px(xOf(i, p.at))},${px(yOf(p.score))}`).join(' ');
  return (
    <svg class="rv-chart rv-progress" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {[0, 5, 10].map((v) => (
        <g>
          <line class="rv-grid" x1={String(left)} x2={String(w - right)} y1={px(yOf(v))} y2={px(yOf(v))} />
          <text class="rv-axis" x={String(left - 4)} y={px(yOf(v) + 4)} text-anchor="end">
            {String(v)}
          </text>
        </g>
      ))}
      {pts.length > 1 && <polyline class="rv-line" points={coords} fill="none" />}
      {pts.map((p, i) => (
        <circle class={p.current ? 'rv-dot rv-current' : 'rv-dot'} cx={px(xOf(i, p.at))} cy={px(yOf(p.score))} r={p.current ? '5' : '3.5'}>
          <title>{`${p.label}: ${f1(p.score)}`}</title>
        </circle>
      ))}
      {pts.length > 0 && (
        <text class="rv-axis" x={String(left)} y={String(h - 6)}>
          {pts[0]!.label}
        </text>
      )}
      {pts.length > 1 && (
        <text class="rv-axis" x={String(w - right)} y={String(h - 6)} text-anchor="end">
          {pts[pts.length - 1]!.label}
        </text>
      )}
    </svg>
  );
}
