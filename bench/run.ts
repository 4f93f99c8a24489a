import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { Command } from 'commander';
import { openBenchContext } from './BenchContext';
import { latencyChartSvg } from './latencyChart';
import { discoveryBench } from './suites/discoveryBench';
import { poolPressureBench } from './suites/poolPressureBench';
import { serializationBench } from './suites/serializationBench';

const program = new Command('bench')
  .description('measure dsr-bridge against honest baselines; writes bench/results/')
  .option('--scale <n>', 'sample database scale (200 = 200k users, 2M orders, 5M events)', Number, 200)
  .option('--subjects <n>', 'subjects measured for latency', Number, 300)
  .option('--pool <n>', 'pool size (the configured default is 4)', Number, 4)
  .parse();
const options = program.opts<{ scale: number; subjects: number; pool: number }>();

const log = (line: string) => process.stdout.write(`${line}\n`);
const f = (n: number, digits = 2) => n.toFixed(digits);
const started = Date.now();
const ctx = await openBenchContext(options.scale, log);
try {
  log(`scale ${options.scale}: ${ctx.users} users; pool ${options.pool}; ${cpus().length} CPUs`);
  log('discovery…');
  const discovery = await discoveryBench(ctx, {
    subjects: options.subjects,
    poolMax: options.pool,
    concurrency: options.pool * 2,
  });
  log('canonical serialisation…');
  const serialization = await serializationBench(ctx, { repeats: 15 });
  log('pool under pressure…');
  const pressure = await poolPressureBench(ctx, { discoveries: 200, poolMax: 10 });

  const d = discovery;
  const rows: [string, string, string, string][] = [
    ['measure', 'dsr-bridge', 'baseline', 'ratio (target)'],
    [
      `discovery latency p50 / p95 / p99, ms (${d.subjects} subjects, ${f(d.rowsPerSubject, 1)} rows and ${f(d.queriesPerSubject, 1)} queries each)`,
      `${f(d.latencyMs.median)} / ${f(d.latencyMs.p95)} / ${f(d.latencyMs.p99)}`,
      `naive ${f(d.naiveMs.median)} / ${f(d.naiveMs.p95)} / ${f(d.naiveMs.p99)}`,
      `naive/ours ${f(d.naiveOverOurs, 1)}× (≥ 5×)`,
    ],
    [
      'discovery vs PostgreSQL floor (planning + execution, EXPLAIN ANALYZE), median ms',
      f(d.latencyMs.median),
      `floor ${f(d.floorMs.median)}`,
      `ours/floor ${f(d.oursOverFloor, 2)}× (≤ 2×)`,
    ],
    [
      `discovery throughput, subjects/s (concurrency ${d.throughput.concurrency}, pool ${d.poolMax})`,
      f(d.throughput.subjectsPerSecond, 0),
      '',
      '',
    ],
    [
      `canonical serialisation, MB/s (${serialization.rows} rows, ${f(serialization.megabytes, 1)} MB; median of 15, min–max)`,
      `${f(serialization.canonicalMBps.median, 0)} (${f(serialization.canonicalMBps.min, 0)}–${f(serialization.canonicalMBps.max, 0)})`,
      `JSON.stringify ${f(serialization.jsonStringifyMBps.median, 0)} (${f(serialization.jsonStringifyMBps.min, 0)}–${f(serialization.jsonStringifyMBps.max, 0)})`,
      `${f(serialization.ratio, 2)} (≥ 0.5)`,
    ],
    [
      `pool under pressure: ${pressure.discoveries} concurrent discoveries, pool ${pressure.poolMax}`,
      `${f(pressure.completionMs, 0)} ms, ${pressure.errors} errors, ${pressure.checkedOutAfter} checked out`,
      '',
      'errors 0, checked out 0',
    ],
  ];
  const table = [
    `| ${rows[0]?.join(' | ')} |`,
    '| --- | --- | --- | --- |',
    ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  log('');
  log(table);
  const elapsed = (Date.now() - started) / 1000;
  log(`\n${ctx.generatedMs ? `generation ${f(ctx.generatedMs / 1000, 0)} s; ` : ''}total ${f(elapsed, 0)} s`);

  await mkdir('bench/results', { recursive: true });
  const header = `# Benchmark results\n\n\`npm run bench -- --scale ${options.scale} --subjects ${options.subjects} --pool ${options.pool}\` on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${new Date().toISOString().slice(0, 10)}.\n\n`;
  await writeFile('bench/results/latest.md', `${header}${table}\n`);
  const { samples, ...discoveryFigures } = discovery;
  await writeFile(
    'bench/results/latest.json',
    `${JSON.stringify({ options, discovery: discoveryFigures, serialization, pressure, elapsedSeconds: elapsed }, null, 2)}\n`,
  );
  await writeFile(
    'bench/results/discovery-latency.svg',
    latencyChartSvg([{ label: 'dsr-bridge per-subject latency', color: '#1f77b4', samples }]),
  );
  log('written: bench/results/latest.md, latest.json, discovery-latency.svg');
} finally {
  await ctx.server.stop();
}
