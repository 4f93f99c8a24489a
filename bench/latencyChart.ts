/** An SVG histogram of latency samples (one series per colour), written beside the results. */
export function latencyChartSvg(
  series: { label: string; color: string; samples: readonly number[] }[],
): string {
  const width = 720;
  const height = 360;
  const pad = { left: 56, right: 16, top: 36, bottom: 48 };
  const all = series.flatMap((s) => s.samples);
  const max = Math.max(...all, 1);
  const bins = 40;
  const binWidth = max / bins;
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s.samples) {
      const bin = Math.min(bins - 1, Math.floor(v / binWidth));
      c[bin] = (c[bin] ?? 0) + 1;
    }
    return c;
  });
  const top = Math.max(...counts.flat(), 1);
  const x = (bin: number) => pad.left + (bin / bins) * (width - pad.left - pad.right);
  const y = (count: number) => height - pad.bottom - (count / top) * (height - pad.top - pad.bottom);
  const bars = series
    .map((s, i) =>
      (counts[i] ?? [])
        .map((count, bin) =>
          count === 0
            ? ''
            : `<rect x="${x(bin).toFixed(1)}" y="${y(count).toFixed(1)}" width="${(x(1) - x(0) - 1).toFixed(1)}" height="${(height - pad.bottom - y(count)).toFixed(1)}" fill="${s.color}" fill-opacity="0.6"/>`,
        )
        .join(''),
    )
    .join('\n');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<text x="${x(f * bins).toFixed(1)}" y="${height - pad.bottom + 18}" font-size="11" text-anchor="middle">${(f * max).toFixed(1)}</text>`,
    )
    .join('');
  const legend = series
    .map(
      (s, i) =>
        `<rect x="${pad.left + i * 220}" y="10" width="12" height="12" fill="${s.color}"/><text x="${pad.left + 18 + i * 220}" y="20" font-size="12">${s.label}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${legend}
${bars}
<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="black"/>
${ticks}
<text x="${width / 2}" y="${height - 8}" font-size="12" text-anchor="middle">milliseconds per subject</text>
<text x="14" y="${height / 2}" font-size="12" transform="rotate(-90 14 ${height / 2})" text-anchor="middle">subjects</text>
</svg>
`;
}
