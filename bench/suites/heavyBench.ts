import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../local/postgres/embeddedPostgres';
import { generateSampleData } from '../../local/sample/generateSampleData';
import {
  KEYLESS_LOG_DATAMAP_ENTRY,
  seedHeavySubject,
  seedKeylessSubject,
  seedLargeValueSubject,
} from '../heavySubjectData';

const HASH_KEY = 'bench-subject-hash-key-0123456789abcdef';

export interface HeavyRun {
  /** Events seeded for the subject; the command finds one more row (the user). */
  readonly events: number;
  readonly rows: number;
  /** Wall time of the whole `dsr discover` process, start-up included. */
  readonly seconds: number;
  /** Rows of canonical output per second of the whole command. */
  readonly rowsPerSecond: number;
  /** Rows per second once the start-up of a discovery with one row is taken off. */
  readonly rowsPerSecondAfterStartup: number;
  /** CPU seconds (user + system) of the process: on a shared machine, steadier than wall time. */
  readonly cpuSeconds: number;
  /** Rows per CPU second. */
  readonly rowsPerCpuSecond: number;
  /** Peak resident set of the `dsr discover` process (`/usr/bin/time`'s maximum RSS), MiB. */
  readonly peakRssMiB: number;
  /**
   * The same command given a large heap (`NODE_OPTIONS=--max-old-space-size=4096`, what Node allows
   * by default on a machine with 16 GB) instead of `dsr`'s default cap of 128 MiB: peak RSS, MiB.
   */
  readonly largeHeapPeakRssMiB: number;
  readonly largeHeapSeconds: number;
  readonly outputMiB: number;
  /** SHA-256 of the document written: two builds that agree write the same bytes. */
  readonly sha256: string;
  /**
   * The same command writing the document to standard output, sent to /dev/null (`--out -`), as
   * `psql` below writes its rows: wall and CPU seconds. The document to a file (`--out <file>`,
   * above) is also synced to disk before it is renamed into place.
   */
  readonly toNull: { readonly seconds: number; readonly cpuSeconds: number };
  /**
   * `psql … COPY (…) TO STDOUT` of the same rows (the user and its events, two statements in one
   * session, output to /dev/null): wall and CPU seconds of the `psql` process, and the wall time of
   * `dsr discover` to /dev/null (`wallRatio`, like for like) and to a file (`fileWallRatio`) as
   * multiples of it. Absent when no `psql` is on the PATH.
   */
  readonly psql?: {
    readonly seconds: number;
    readonly cpuSeconds: number;
    readonly wallRatio: number;
    readonly fileWallRatio: number;
  };
  /**
   * The same two statements through the `pg` driver dsr-bridge reads with, in the bench's own
   * process, each row handed to a listener as an array of PostgreSQL's texts (no type parsing, as
   * dsr-bridge's pool reads them) and dropped (no canonical form, no hash, no file): what reading the rows into Node costs before any of dsr-bridge's work. Wall and
   * CPU seconds (this process's, user + system), and its wall time as a multiple of `psql`'s.
   */
  readonly driver?: { readonly seconds: number; readonly cpuSeconds: number; readonly psqlRatio?: number };
}

/** `dsr discover` of a subject whose rows are in a table without a primary key. */
export interface KeylessRun {
  /** Rows seeded in the keyless table (about 1 % identical copies); the command finds one more. */
  readonly keylessRows: number;
  /** With `dsr`'s default cap (128 MiB of old space). */
  readonly capped: KeylessOutcome;
  /** When that failed: the same with a 4 GiB old space, to show what it needed. */
  readonly largeHeap?: KeylessOutcome;
}

/** A finished run's figures, or the first line of what a failed run printed. */
export type KeylessOutcome =
  | {
      readonly ok: true;
      readonly rows: number;
      readonly seconds: number;
      readonly cpuSeconds: number;
      readonly peakRssMiB: number;
      readonly outputMiB: number;
      /** SHA-256 of the document written: two builds that agree write the same bytes. */
      readonly sha256: string;
    }
  | {
      readonly ok: false;
      readonly seconds: number;
      readonly cpuSeconds: number;
      readonly peakRssMiB: number;
      readonly error: string;
    };

export interface HeavyResult {
  readonly runs: readonly HeavyRun[];
  readonly keyless: readonly KeylessRun[];
  /** The same command for a subject with one row: start-up, connection and catalog check. */
  readonly startupSeconds: number;
  readonly startupPeakRssMiB: number;
  readonly startupCpuSeconds: number;
  readonly seededSeconds: number | undefined;
  /** One user whose `preferences` document is `largeValueMiB` of JSON text. */
  readonly largeValue?: { readonly mib: number; readonly seconds: number; readonly peakRssMiB: number };
}

/**
 * `dsr discover` of heavy subjects, the real CLI in a child process under `/usr/bin/time`: peak RSS
 * and rows of canonical output per second for each size. The database (sample data at scale 1 and
 * one heavy subject per size, `bench/heavySubjectData.ts`) is kept in `.dsr-local/bench-heavy`
 * between runs and seeded only for sizes it does not hold yet.
 */
export async function heavyBench(options: {
  sizes: readonly number[];
  /** MiB of JSON text in one value of one row; 0 skips that measurement. @default 8 */
  largeValueMiB?: number;
  log: (line: string) => void;
  /**
   * An empty database to seed and use instead of the kept embedded server (the smoke test's); it is
   * seeded afresh, at `sampleScale`.
   */
  postgresDsn?: string;
  /** Scale of the sample data under the heavy subjects. @default 1 */
  sampleScale?: number;
  /**
   * Runs the start-up command once, unmeasured, before the measured one, so the file cache is warm.
   * @default true (the smoke test, which asserts no figure, leaves it out)
   */
  warmUp?: boolean;
  /**
   * Rows of each keyless subject (`seedKeylessSubject`), discovered with the sample map plus the
   * keyless table. @default []
   */
  keylessSizes?: readonly number[];
  /** The checkout whose `bin/dsr.js` is run (to measure another build on the same database). @default the working directory */
  dsrDir?: string;
}): Promise<HeavyResult> {
  const dataDir = options.postgresDsn
    ? await mkdtemp(join(tmpdir(), 'dsr-heavy-marker-'))
    : join(process.cwd(), '.dsr-local', 'bench-heavy');
  const marker = join(dataDir, 'seeded.json');
  const server = options.postgresDsn
    ? undefined
    : await startEmbeddedPostgres({ label: 'bench-heavy', dataDir });
  const out = await mkdtemp(join(tmpdir(), 'dsr-heavy-'));
  try {
    const dsn = options.postgresDsn ?? server?.dsn.replace(/\/postgres$/, '/shop') ?? '';
    const seeded: (number | string)[] = existsSync(marker) ? JSON.parse(await readFile(marker, 'utf8')) : [];
    let seededSeconds: number | undefined;
    const largeMiB = options.largeValueMiB ?? 8;
    const largeMarker = `value:${largeMiB}MiB`;
    const missing = options.sizes.filter((n) => !seeded.includes(n));
    const largeMissing = largeMiB > 0 && !seeded.includes(largeMarker);
    const keylessMissing = (options.keylessSizes ?? []).filter((n) => !seeded.includes(`keyless:${n}`));
    if (missing.length > 0 || largeMissing || keylessMissing.length > 0) {
      const started = Date.now();
      if (seeded.length === 0) {
        const scale = options.sampleScale ?? 1;
        options.log(`  generating the sample database at scale ${scale} (kept for later runs)…`);
        if (server) {
          const admin = new pg.Client({ connectionString: server.dsn });
          await admin.connect();
          await admin.query('DROP DATABASE IF EXISTS shop');
          await admin.query('CREATE DATABASE shop');
          await admin.end();
        }
        await generateSampleData(dsn, { scale, seed: 42 });
      }
      const client = new pg.Client({ connectionString: dsn });
      await client.connect();
      try {
        for (const events of missing) {
          options.log(`  seeding a subject with ${events} events…`);
          await seedHeavySubject(client, { rows: events });
          seeded.push(events);
          await writeFile(marker, JSON.stringify(seeded));
        }
        if (largeMissing) {
          options.log(`  seeding a subject with one ${largeMiB} MiB json value…`);
          await seedLargeValueSubject(client, { bytes: largeMiB * 1024 * 1024 });
          seeded.push(largeMarker);
          await writeFile(marker, JSON.stringify(seeded));
        }
        for (const rows of keylessMissing) {
          options.log(`  seeding a subject with ${rows} rows in a keyless table…`);
          await seedKeylessSubject(client, { rows });
          seeded.push(`keyless:${rows}`);
          await writeFile(marker, JSON.stringify(seeded));
        }
        await client.query('VACUUM ANALYZE public.events');
        if (keylessMissing.length > 0) await client.query('VACUUM ANALYZE public.event_log');
      } finally {
        await client.end();
      }
      seededSeconds = (Date.now() - started) / 1000;
    }
    const sampleMap = 'local/sample/datamap.yaml';
    const keylessMap = join(out, 'datamap-keyless.yaml');
    await writeFile(
      keylessMap,
      (await readFile(sampleMap, 'utf8')).replace(/^snowflake:/m, `${KEYLESS_LOG_DATAMAP_ENTRY}snowflake:`),
    );
    const dsrBin = join(options.dsrDir ?? process.cwd(), 'bin', 'dsr.js');
    const discover = async (email: string, nodeOptions = '', datamap = sampleMap) => {
      const file = join(out, 'findings.json');
      const timeFile = join(out, 'time.txt');
      const started = process.hrtime.bigint();
      const stderr = await run(
        '/usr/bin/time',
        [
          '-f',
          '%M %U %S',
          '-o',
          timeFile,
          process.execPath,
          dsrBin,
          'discover',
          '--datamap',
          datamap,
          '--subject',
          `email=${email}`,
          '--request-id',
          'BENCH-HEAVY',
          '--out',
          file,
        ],
        { PG_DSN: dsn, DSR_SUBJECT_HASH_KEY: HASH_KEY, NODE_OPTIONS: nodeOptions },
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rows = Number(/: (\d+) rows in/.exec(stderr)?.[1] ?? Number.NaN);
      const [rssKiB, user, sys] = timeFigures(await readFile(timeFile, 'utf8'));
      const outputMiB = (await stat(file)).size / 1024 / 1024;
      const sha256 = await fileSha256(file);
      await rm(file);
      return {
        seconds,
        rows,
        peakRssMiB: (rssKiB ?? Number.NaN) / 1024,
        cpuSeconds: (user ?? Number.NaN) + (sys ?? Number.NaN),
        outputMiB,
        sha256,
      };
    };
    /** The same command with the document on standard output, sent to /dev/null as `psql`'s rows are. */
    const discoverToNull = async (email: string) => {
      const timeFile = join(out, 'time-null.txt');
      const started = process.hrtime.bigint();
      await runToNull(
        '/usr/bin/time',
        ['-f', '%U %S', '-o', timeFile, process.execPath, dsrBin, 'discover', '--datamap', sampleMap].concat([
          '--subject',
          `email=${email}`,
          '--request-id',
          'BENCH-HEAVY',
          '--out',
          '-',
        ]),
        { PG_DSN: dsn, DSR_SUBJECT_HASH_KEY: HASH_KEY },
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const [user, sys] = timeFigures(await readFile(timeFile, 'utf8'));
      return { seconds, cpuSeconds: (user ?? Number.NaN) + (sys ?? Number.NaN) };
    };
    const psql = await findPsql();
    /** The subject's rows through `psql`'s COPY: the floor a discovery of them is compared with. */
    const copy = async (email: string) => {
      if (!psql) return undefined;
      const timeFile = join(out, 'psql-time.txt');
      const literal = `'${email.replaceAll("'", "''")}'`;
      const started = process.hrtime.bigint();
      await run(
        '/usr/bin/time',
        [
          '-f',
          '%U %S',
          '-o',
          timeFile,
          psql,
          dsn,
          '-X',
          '-q',
          '-o',
          '/dev/null',
          '-c',
          `COPY (SELECT * FROM public.users WHERE email = ${literal}) TO STDOUT`,
          '-c',
          `COPY (SELECT e.* FROM public.events e JOIN public.users u ON u.id = e.user_id WHERE u.email = ${literal}) TO STDOUT`,
        ],
        {},
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const [user, sys] = timeFigures(await readFile(timeFile, 'utf8'));
      return { seconds, cpuSeconds: (user ?? Number.NaN) + (sys ?? Number.NaN) };
    };
    /** The same statements through `pg` alone, rows read and dropped (see `HeavyRun.driver`). */
    const driverRead = async (email: string) => {
      // Every value as PostgreSQL's text, as dsr-bridge's pool reads it (no Date, no JSON.parse).
      const client = new pg.Client({
        connectionString: dsn,
        types: { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig,
      });
      await client.connect();
      try {
        const cpu = process.cpuUsage();
        const started = process.hrtime.bigint();
        let rows = 0;
        for (const text of [
          'SELECT * FROM public.users WHERE email = $1',
          'SELECT e.* FROM public.events e JOIN public.users u ON u.id = e.user_id WHERE u.email = $1',
        ])
          await new Promise<void>((resolve, reject) => {
            const query = new pg.Query({ text, values: [email], rowMode: 'array' } as pg.QueryConfig);
            query.on('row', () => {
              rows++;
            });
            query.on('error', reject);
            query.on('end', () => resolve());
            client.query(query);
          });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const used = process.cpuUsage(cpu);
        return { seconds, cpuSeconds: (used.user + used.system) / 1e6, rows };
      } finally {
        await client.end();
      }
    };
    // Start-up: the same command for a subject with one row (the sample's first user).
    const firstUser = await firstEmail(dsn);
    if (options.warmUp ?? true) await discover(firstUser); // warm the file cache
    const startup = await discover(firstUser);
    const runs: HeavyRun[] = [];
    for (const events of options.sizes) {
      options.log(`  dsr discover, ${events} events…`);
      const r = await discover(`heavy.${events}@example.com`);
      if (r.rows !== events + 1) throw new Error(`expected ${events + 1} rows, the command found ${r.rows}`);
      options.log(`  dsr discover, ${events} events, old space up to 4096 MiB…`);
      const large = await discover(`heavy.${events}@example.com`, '--max-old-space-size=4096');
      options.log(`  dsr discover, ${events} events, the document to /dev/null…`);
      const toNull = await discoverToNull(`heavy.${events}@example.com`);
      options.log(`  psql COPY of the same rows…`);
      const floor = await copy(`heavy.${events}@example.com`);
      options.log(`  the same rows through pg alone…`);
      const driver = await driverRead(`heavy.${events}@example.com`);
      if (driver.rows !== events + 1) throw new Error(`expected ${events + 1} rows, pg read ${driver.rows}`);
      runs.push({
        events,
        rows: r.rows,
        seconds: r.seconds,
        rowsPerSecond: r.rows / r.seconds,
        rowsPerSecondAfterStartup: r.rows / Math.max(1e-3, r.seconds - startup.seconds),
        cpuSeconds: r.cpuSeconds,
        rowsPerCpuSecond: r.rows / r.cpuSeconds,
        peakRssMiB: r.peakRssMiB,
        largeHeapPeakRssMiB: large.peakRssMiB,
        largeHeapSeconds: large.seconds,
        outputMiB: r.outputMiB,
        sha256: r.sha256,
        toNull,
        driver: {
          seconds: driver.seconds,
          cpuSeconds: driver.cpuSeconds,
          ...(floor ? { psqlRatio: driver.seconds / floor.seconds } : {}),
        },
        ...(floor
          ? {
              psql: {
                ...floor,
                wallRatio: toNull.seconds / floor.seconds,
                fileWallRatio: r.seconds / floor.seconds,
              },
            }
          : {}),
      });
      options.log(
        `    to /dev/null: ${toNull.seconds.toFixed(1)} s (${toNull.cpuSeconds.toFixed(1)} CPU s)\n` +
          `${floor ? `    psql COPY: ${floor.seconds.toFixed(2)} s (${floor.cpuSeconds.toFixed(2)} CPU s); dsr discover / psql, wall: ${(toNull.seconds / floor.seconds).toFixed(2)}× to /dev/null, ${(r.seconds / floor.seconds).toFixed(2)}× to a file\n` : ''}` +
          `    pg alone (rows read and dropped): ${driver.seconds.toFixed(2)} s (${driver.cpuSeconds.toFixed(2)} CPU s)${floor ? `, ${(driver.seconds / floor.seconds).toFixed(2)}× psql` : ''}\n` +
          `    ${r.rows} rows in ${r.seconds.toFixed(1)} s (${r.cpuSeconds.toFixed(1)} CPU s), peak RSS ${r.peakRssMiB.toFixed(0)} MiB (old space up to 4096 MiB: ${large.peakRssMiB.toFixed(0)} MiB), ${r.outputMiB.toFixed(0)} MiB written, document sha256 ${r.sha256.slice(0, 12)}…`,
      );
    }
    const keyless: KeylessRun[] = [];
    const keylessOutcome = async (email: string, nodeOptions: string): Promise<KeylessOutcome> => {
      const started = process.hrtime.bigint();
      try {
        return { ok: true, ...(await discover(email, nodeOptions, keylessMap)) };
      } catch (error) {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const time = await readFile(join(out, 'time.txt'), 'utf8').catch(() => '');
        const [rssKiB = Number.NaN, user = Number.NaN, sys = Number.NaN] = timeFigures(time);
        const message = (error as Error).message;
        const error_ = /dsr: stopped[^\n]*/.exec(message)?.[0] ?? message.split('\n').at(-2) ?? message;
        return { ok: false, seconds, cpuSeconds: user + sys, peakRssMiB: rssKiB / 1024, error: error_ };
      }
    };
    for (const rows of options.keylessSizes ?? []) {
      const email = `keyless.${rows}@example.com`;
      options.log(`  dsr discover, ${rows} rows in a keyless table…`);
      const capped = await keylessOutcome(email, '');
      if (capped.ok && capped.rows !== rows + 1)
        throw new Error(`expected ${rows + 1} rows, the command found ${capped.rows}`);
      let largeHeap: KeylessOutcome | undefined;
      if (!capped.ok) {
        options.log(`  dsr discover, ${rows} rows in a keyless table, old space up to 4096 MiB…`);
        largeHeap = await keylessOutcome(email, '--max-old-space-size=4096');
      }
      keyless.push({ keylessRows: rows, capped, ...(largeHeap ? { largeHeap } : {}) });
      const show = (o: KeylessOutcome) =>
        o.ok
          ? `${o.rows} rows in ${o.seconds.toFixed(1)} s (${o.cpuSeconds.toFixed(1)} CPU s), peak RSS ${o.peakRssMiB.toFixed(0)} MiB, document sha256 ${o.sha256.slice(0, 12)}…`
          : `failed after ${o.seconds.toFixed(1)} s (${o.cpuSeconds.toFixed(1)} CPU s), peak RSS ${o.peakRssMiB.toFixed(0)} MiB: ${o.error}`;
      options.log(
        `    default cap: ${show(capped)}${largeHeap ? `\n    old space up to 4096 MiB: ${show(largeHeap)}` : ''}`,
      );
    }
    let largeValue: HeavyResult['largeValue'];
    if (largeMiB > 0) {
      options.log(`  dsr discover, one ${largeMiB} MiB json value…`);
      const r = await discover(`big.${largeMiB}mib@example.com`);
      largeValue = { mib: largeMiB, seconds: r.seconds, peakRssMiB: r.peakRssMiB };
    }
    return {
      runs,
      keyless,
      ...(largeValue ? { largeValue } : {}),
      startupSeconds: startup.seconds,
      startupPeakRssMiB: startup.peakRssMiB,
      startupCpuSeconds: startup.cpuSeconds,
      seededSeconds,
    };
  } finally {
    await rm(out, { recursive: true, force: true });
    if (options.postgresDsn) await rm(dataDir, { recursive: true, force: true });
    await server?.stop();
  }
}

/** SHA-256 (hex) of a file, read as a stream. */
async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `psql` on the PATH (the embedded PostgreSQL package ships none), or undefined. */
async function findPsql(): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = join(dir, 'psql');
    if (
      await stat(candidate).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

async function firstEmail(dsn: string): Promise<string> {
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    const { rows } = await client.query<{ email: string }>('SELECT email FROM public.users WHERE id = 1');
    return rows[0]?.email ?? 'nobody@example.com';
  } finally {
    await client.end();
  }
}

/** Runs a command; resolves with its stderr, rejects with it when the command fails. */
/** The numbers on the last line `/usr/bin/time -o <file> -f '…'` wrote, in its format's order. */
function timeFigures(text: string): number[] {
  return (text.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
}

/** Runs `command` with its standard output sent to /dev/null; fails with the end of its standard error. */
function runToNull(command: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.slice(4, 7).join(' ')} failed: ${stderr}`)),
    );
  });
}

function run(command: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error)
          reject(new Error(`${command} ${args.slice(4, 7).join(' ')} failed: ${stderr.slice(-2000)}`));
        else resolve(stderr);
      },
    );
  });
}
