/**
 * The dashboard over time (issue 12 point 3), drawn on the server with plotSvg (Observable Plot):
 * per model, segment shares per period with their 95% bands (the cohort view) and per-segment
 * feature means over time; reports per period by channel; the clear/ldp mix; publishes and
 * refinements marked on the time axis, and where a new series starts (a model changed).
 *
 * Every number comes from the published timeline (estimates.ts, rounded and suppressed by
 * disclose()): a suppressed cell is null there, and a null y is a gap in Plot's lines and areas,
 * never a number, so nothing the tables would withhold is drawn.
 */
import { html, raw } from 'hono/html';
import { DAY_MS, type Estimate } from '../../../core/schema.js';
import { CHAR_W, Plot, plotSvg } from '../../science/svg.js';
import type { TrendMarker, TrendSeries } from '../../estimates/estimates.js';
import { pct } from './format.js';
import type { Html } from './layout.js';

const dateOf = (period: number) => new Date(period * DAY_MS);
const WIDTH = 760;
/** Room left of a percent axis for its widest tick label, "100.0%" (the default 40 clipped it). */
const PERCENT_MARGIN = 52;

/** The font size of a marker's label, the height of one lane of labels, the gap kept between two labels. */
const MARKER_FONT = 9;
const LANE_H = 11;
const LABEL_GAP = 4;

/** Where the time axis runs: its domain and the pixel range Plot maps it to (the frame's left and right). */
type TimeAxis = { domain: [Date, Date]; left: number; right: number };

/** The time axis of a chart of `width` with these margins over `dates` (Plot's own domain: their extent). */
function timeAxis(dates: readonly Date[], width: number, marginLeft: number, marginRight: number): TimeAxis {
  const ms = dates.map((d) => d.getTime());
  const domain: [Date, Date] = ms.length
    ? [new Date(Math.min(...ms)), new Date(Math.max(...ms))]
    : [new Date(0), new Date(DAY_MS)];
  return { domain, left: marginLeft, right: width - marginRight };
}

const markerText = (m: TrendMarker) =>
  m.kind === 'refine' ? `v${m.version} refined` : `v${m.version} new series`;

/**
 * The lane of each labelled marker (0: just below the frame's top, each next lane LANE_H lower), so
 * that no two labels overlap: left to right, a label takes the first lane whose last label ends
 * LABEL_GAP before it starts (its width at CHAR_W, a generous character width). Before, every label
 * sat in one row and two markers a few days apart printed over each other.
 */
export function markerLanes(markers: readonly TrendMarker[], axis: TimeAxis): number[] {
  const [d0, d1] = axis.domain.map((d) => d.getTime()) as [number, number];
  const px = (t: number) =>
    d1 > d0 ? axis.left + ((t - d0) / (d1 - d0)) * (axis.right - axis.left) : (axis.left + axis.right) / 2;
  const ends: number[] = [];
  const lanes: number[] = new Array<number>(markers.length).fill(0);
  const order = markers.map((m, i) => i).sort((a, b) => markers[a]!.at.getTime() - markers[b]!.at.getTime());
  for (const i of order) {
    const start = px(markers[i]!.at.getTime()) + 3;
    let lane = ends.findIndex((end) => end + LABEL_GAP <= start);
    if (lane < 0) lane = ends.push(-Infinity) - 1;
    ends[lane] = start + (CHAR_W * MARKER_FONT * markerText(markers[i]!).length) / 10;
    lanes[i] = lane;
  }
  return lanes;
}

/** The vertical rules and labels of the markers, the labels in lanes (markerLanes) so none overlap. */
function markerMarks(markers: readonly TrendMarker[], axis: TimeAxis): Plot.Markish[] {
  const labelled = markers.filter((m) => m.kind !== 'publish');
  const lanes = markerLanes(labelled, axis);
  const laneCount = Math.max(0, ...lanes.map((l) => l + 1));
  return [
    Plot.ruleX(
      markers.filter((m) => m.kind === 'publish'),
      { x: 'at', stroke: '#bbb', strokeDasharray: '2,3' },
    ),
    Plot.ruleX(labelled, {
      x: 'at',
      stroke: (m: TrendMarker) => (m.kind === 'refine' ? '#b35900' : '#7a1fa2'),
    }),
    ...Array.from({ length: laneCount }, (_, lane) =>
      Plot.text(
        labelled.filter((_, i) => lanes[i] === lane),
        {
          x: 'at',
          text: markerText,
          frameAnchor: 'top',
          dy: -4 + lane * LANE_H,
          fontSize: MARKER_FONT,
          textAnchor: 'start',
          dx: 3,
        },
      ),
    ),
  ];
}

type Point = {
  date: Date;
  series: string;
  segment: string;
  value: number | null;
  lo: number | null;
  hi: number | null;
  title: string;
  /** the estimate lay outside the axis range and is drawn clamped to it */
  out: boolean;
};

/** Lines with 95% bands by segment (z: segment and series, so the series never join), dots where there is a value. */
function bandChart(
  points: readonly Point[],
  markers: readonly TrendMarker[],
  opts: {
    label: string;
    percent: boolean;
    fy?: (p: Point) => string;
    height?: number;
    domain?: [number, number];
  },
): string {
  const z = (p: Point) => `${p.segment}\u0000${p.series}`;
  const marginLeft = opts.percent ? PERCENT_MARGIN : 40;
  const axis = timeAxis([...points.map((p) => p.date), ...markers.map((m) => m.at)], WIDTH, marginLeft, 120);
  return plotSvg({
    width: WIDTH,
    height: opts.height ?? 260,
    marginTop: 24,
    marginRight: 120,
    marginLeft,
    ariaLabel: opts.label,
    x: { type: 'utc', label: null, domain: axis.domain },
    y: {
      label: null,
      grid: true,
      ...(opts.domain ? { domain: opts.domain } : {}),
      ...(opts.percent ? { tickFormat: (v: number) => pct(v) } : {}),
    },
    // A legend, not labels at the lines' ends: those overlapped where segments ran close.
    color: { legend: true, type: 'categorical' }, // swatches: a ramp legend would need a canvas
    ...(opts.fy ? { fy: { label: null } } : {}),
    marks: [
      ...markerMarks(markers, axis),
      Plot.areaY(points, {
        x: 'date',
        y1: 'lo',
        y2: 'hi',
        z,
        fill: 'segment',
        fillOpacity: 0.15,
        ...(opts.fy ? { fy: opts.fy } : {}),
      }),
      Plot.lineY(points, {
        x: 'date',
        y: 'value',
        z,
        stroke: 'segment',
        title: (p: Point) => `${p.segment} (${p.series})`,
        ...(opts.fy ? { fy: opts.fy } : {}),
      }),
      Plot.dot(
        points.filter((p) => p.value !== null),
        {
          x: 'date',
          y: 'value',
          fill: 'segment',
          symbol: 'series',
          r: 2.5,
          title: 'title',
          ...(opts.fy ? { fy: opts.fy } : {}),
        },
      ),
    ],
  });
}

/** The caption's note on estimates drawn clamped to the axis range (none: nothing to say). */
function clamped(points: readonly Point[], range: string): string {
  const n = points.filter((p) => p.out).length;
  return n === 0
    ? ''
    : ` ${n} ${n === 1 ? 'estimate lies' : 'estimates lie'} outside ${range} and ${n === 1 ? 'is' : 'are'} drawn at the edge (the dot's tooltip gives the value).`;
}

/**
 * A figure: an inline SVG with a caption (the console's CSP allows inline styles, and Plot needs no
 * script). It keeps its drawn size and scrolls sideways on a narrow screen (styles.ts), so its
 * 10 px labels are never shrunk past reading; focusable, so a keyboard can scroll it.
 */
const figure = (id: string, caption: string, svg: string | null, empty = ''): Html =>
  html`<figure class="chart" id="${id}" data-chart="${id}" tabindex="0">
    ${svg === null ? html`<p class="muted">${empty}</p>` : raw(svg)}
    <figcaption class="small muted">${caption}</figcaption>
  </figure>`;

/** The dashboard over time: `series` oldest first (the newest last), markers for every publish. */
export function trendsSection(series: readonly TrendSeries[], markers: readonly TrendMarker[]): Html {
  const newest = series.at(-1);
  if (!newest || series.every((s) => (s.estimates.timeline ?? []).length === 0))
    return html`<h2>Over time</h2>
      <p class="muted">No reports yet.</p>`;
  const k = newest.estimates.kThreshold;
  const periodsOf = (s: TrendSeries) => s.estimates.timeline ?? [];
  const models = newest.estimates.models.map((m) => m.model);

  const modelSections = models.map((model) => {
    const shares: Point[] = [];
    const means: (Point & { feature: string })[] = [];
    for (const s of series)
      for (const p of periodsOf(s)) {
        const m = p.models.find((x) => x.model === model);
        if (!m) continue;
        const date = dateOf(p.period);
        // A suppressed cell keeps its point with value null: a gap in the line and the band.
        // A debiased LDP estimate can fall outside the stated range: it is drawn at the edge, its
        // title keeps the true value, and the caption says how many were clamped.
        const at = (segment: string, e: Estimate | null, range: [number, number], title: () => string) => {
          const c = (v: number) => Math.min(range[1], Math.max(range[0], v));
          const out = e !== null && c(e.value) !== e.value;
          return {
            date,
            series: s.label,
            segment,
            value: e ? c(e.value) : null,
            lo: e ? c(e.lo) : null,
            hi: e ? c(e.hi) : null,
            out,
            title: e ? `${title()}${out ? ' (outside the range, drawn at its edge)' : ''}` : '',
          };
        };
        for (const seg of m.segments) {
          const e = seg.share;
          shares.push(
            at(
              seg.name,
              e,
              [0, 1],
              () => `${seg.name}, ${p.start}: ${pct(e!.value)} [${pct(e!.lo)}, ${pct(e!.hi)}]`,
            ),
          );
          for (const f of seg.featureMeans) {
            const fe = f.estimate;
            means.push({
              ...at(
                seg.name,
                fe,
                [-1, 1],
                () => `${seg.name}, ${f.feature}, ${p.start}: ${fe!.value.toFixed(3)}`,
              ),
              feature: f.feature,
            });
          }
        }
      }
    const channels = series
      .flatMap((s) =>
        periodsOf(s).flatMap((p) => {
          const m = p.models.find((x) => x.model === model);
          return m
            ? (['clear', 'ldp'] as const).map((channel) => ({
                start: p.start,
                channel,
                n: m.n[channel],
              }))
            : [];
        }),
      )
      .filter((c): c is typeof c & { n: number } => c.n !== null); // a suppressed count draws nothing
    const features = [...new Set(means.map((p) => p.feature))];
    const anyMean = means.some((p) => p.value !== null);
    return html`<h3>${model}</h3>
      ${figure(
        `shares-${model}`,
        `Segment shares per period with 95% bands (${model}); a gap is a suppressed cell (fewer than ${k} reports, or not clearly above 0).${clamped(shares, '[0, 1]')}`,
        bandChart(shares, markers, { label: `segment shares over time: ${model}`, percent: true }),
      )}
      ${
        anyMean
          ? figure(
              `means-${model}`,
              `Per-segment feature means per period (normalised, [-1, 1]) with 95% bands (${model}).${clamped(means, '[-1, 1]')}`,
              bandChart(means, markers, {
                label: `feature means over time: ${model}`,
                domain: [-1, 1],
                percent: false,
                fy: (p) => (p as Point & { feature: string }).feature,
                height: 70 + 90 * features.length,
              }),
            )
          : html`<p class="small muted">Per-segment feature means: every cell suppressed so far.</p>`
      }
      ${figure(
        `channels-${model}`,
        `Reports per period by channel (${model}), rounded to ${newest.estimates.rounding}; no bar under ${k}.`,
        channels.length === 0
          ? null
          : plotSvg({
              width: WIDTH,
              height: 160,
              ariaLabel: `reports per period by channel: ${model}`,
              x: { label: null, type: 'band' },
              y: { label: 'reports', grid: true },
              color: { legend: true, type: 'categorical', domain: ['clear', 'ldp'] },
              marks: [Plot.barY(channels, { x: 'start', y: 'n', fill: 'channel' }), Plot.ruleY([0])],
            }),
        `Reports by channel (${model}): every count suppressed so far (each under ${k}).`,
      )}`;
  });

  // The clear/ldp mix as the reports show it: the share of each model's reports that came in clear.
  const mix = series.flatMap((s) =>
    periodsOf(s).flatMap((p) =>
      p.models.map((m) => {
        const total = (m.n.clear ?? 0) + (m.n.ldp ?? 0);
        return {
          date: dateOf(p.period),
          model: m.model,
          series: s.label,
          value: m.n.clear !== null && m.n.ldp !== null && total > 0 ? m.n.clear / total : null,
        };
      }),
    ),
  );
  const mixAxis = timeAxis(
    [...mix.map((p) => p.date), ...markers.map((m) => m.at)],
    WIDTH,
    PERCENT_MARGIN,
    120,
  );
  const totals = series.flatMap((s) =>
    periodsOf(s)
      .filter((p) => p.reports !== null) // a suppressed total draws no bar
      .map((p) => ({ start: p.start, series: s.label, reports: p.reports, live: p.live })),
  );
  const labels = series.map((s) => `${s.label}: versions ${s.estimates.versions.join(', ')}`);
  return html`<h2>Over time</h2>
    <p class="small muted">
      ${
        series.length > 1
          ? `${series.length} series (a model or the reporting changed, so their reports are not pooled): ${labels.join('; ')}. Dots of each series have their own symbol; purple rules mark where a new series starts.`
          : `One series: ${labels[0]}.`
      }
      Orange rules mark refinements, dotted rules every other publish (a re-sign). Counts are rounded to
      ${newest.estimates.rounding}; cells under ${k} reports are suppressed and shown as gaps.
    </p>
    ${figure(
      'reports',
      'Reports per period (the live period included), by series; no bar under the k threshold.',
      plotSvg({
        width: WIDTH,
        height: 160,
        ariaLabel: 'reports per period',
        x: { label: null, type: 'band' },
        y: { label: 'reports', grid: true },
        color: { legend: series.length > 1, type: 'categorical' }, // swatches even with no bar left
        marks: [Plot.barY(totals, { x: 'start', y: 'reports', fill: 'series' }), Plot.ruleY([0])],
      }),
    )}
    ${figure(
      'mix',
      'The clear/ldp mix: the share of each model’s reports sent in clear, per period.',
      plotSvg({
        width: WIDTH,
        height: 180,
        marginRight: 120,
        marginLeft: PERCENT_MARGIN,
        ariaLabel: 'clear share of reports over time',
        color: { legend: true, type: 'categorical' }, // swatches: a ramp legend would need a canvas
        x: { type: 'utc', label: null, domain: mixAxis.domain },
        y: { label: null, domain: [0, 1], grid: true, tickFormat: (v: number) => pct(v) },
        marks: [
          ...markerMarks(markers, mixAxis),
          Plot.lineY(mix, {
            x: 'date',
            y: 'value',
            stroke: 'model',
            z: (p) => `${p.model}\u0000${p.series}`,
          }),
        ],
      }),
    )}
    ${modelSections}`;
}
