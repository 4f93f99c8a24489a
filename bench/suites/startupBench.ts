import { execFile } from 'node:child_process';
import { buildCli } from '../../scripts/buildCli.mjs';
import { type Summary, summarize } from '../stats';

export interface StartupResult {
  readonly runs: number;
  /** Wall time of `node -e 0`, ms: the floor any Node program pays. */
  readonly nodeMs: Summary;
  /** Wall time of `node bin/dsr.js --help` (the compiled CLI), ms. */
  readonly helpMs: Summary;
  /** Median `dsr --help` over median `node -e 0`, measured in the same run, in turns. */
  readonly ratio: number;
}

function timed(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    execFile(process.execPath, [...args], (error) => {
      if (error) reject(error);
      else resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

/**
 * Start-up of the `dsr` command: builds the CLI, then times `node -e 0` and `dsr --help` in turns
 * (so a change of load on the machine touches both alike), after one warm-up of each.
 */
export async function startupBench(options: {
  runs: number;
  /** Builds the CLI first. @default true (the smoke test runs the build its global setup made) */
  build?: boolean;
}): Promise<StartupResult> {
  if (options.build ?? true) await buildCli();
  const node = ['-e', '0'];
  const help = ['bin/dsr.js', '--help'];
  await timed(node);
  await timed(help);
  const nodeMs: number[] = [];
  const helpMs: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    nodeMs.push(await timed(node));
    helpMs.push(await timed(help));
  }
  const result = { runs: options.runs, nodeMs: summarize(nodeMs), helpMs: summarize(helpMs) };
  return { ...result, ratio: result.helpMs.median / result.nodeMs.median };
}
