#!/usr/bin/env node
// The `dsr` command: runs the compiled CLI in dist/ (`npm run build`; `npm ci` builds it). With
// DSR_CLI_SOURCE=1 it runs the TypeScript source through tsx instead (development, no build).
//
// `dsr discover`'s memory is bounded without flags: unless a heap size is given
// (`node --max-old-space-size=N` or NODE_OPTIONS="--max-old-space-size=N"), it runs itself again in
// a child process with V8's old space capped at DSR_DEFAULT_HEAP_MIB (128, or DSR_DISCOVER_HEAP_MIB). Discovery streams to disk, so
// the cap holds at every subject size; only a single value of tens of MiB needs more (raise it with
// NODE_OPTIONS). Other commands keep Node's default heap: the demo runs a whole local pipeline in
// one process, and `dsr erase` still holds a subject's plan in memory.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DSR_DEFAULT_HEAP_MIB = /^[1-9]\d{1,5}$/.test(process.env.DSR_DISCOVER_HEAP_MIB ?? '')
  ? Number(process.env.DSR_DISCOVER_HEAP_MIB)
  : 128;
const HEAP_FLAG = /--max-old-space-size[=\s]/;

// The AWS SDK warns on every start under Node 20 that its 2027 releases will need Node 22; the
// SDK's own switch turns that notice off (it says nothing about the SDK working today).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const heapGiven =
  process.execArgv.some((a) => HEAP_FLAG.test(`${a} `)) ||
  HEAP_FLAG.test(`${process.env.NODE_OPTIONS ?? ''} `);

const capped = process.argv[2] === 'discover' && !heapGiven;

if (!capped) {
  process.exitCode = await (await loadCli())(process.argv.slice(2));
} else {
  // The child's temporary files go to a private directory (0700) that this process removes
  // whatever the child's end: a V8 that runs out of memory cannot clean up after itself.
  const tempDir = mkdtempSync(join(tmpdir(), `dsr-${process.pid}-`));
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      `--max-old-space-size=${DSR_DEFAULT_HEAP_MIB}`,
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    // The IPC channel tells the child when this process is gone (killed with SIGKILL, which it
    // cannot pass on): the child then removes its files and this directory, and stops, instead of
    // running on and writing its --out with no one waiting for it.
    {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, TMPDIR: tempDir, DSR_LAUNCHER_TEMP_DIR: tempDir },
    },
  );
  // Ctrl+C reaches the whole process group; a signal sent to this process alone is passed on. The
  // child removes its files and says so; this process waits for it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  const removeTempDir = () => rmSync(tempDir, { recursive: true, force: true });
  process.on('exit', removeTempDir);
  child.on('exit', (code, signal) => {
    const left = existsSync(tempDir) && readdirSync(tempDir).length > 0;
    removeTempDir();
    const removed = left ? '; temporary files removed' : '';
    if (signal === 'SIGABRT' || code === 134) {
      process.stderr.write(
        `dsr: stopped: out of memory with V8's old space capped at ${DSR_DEFAULT_HEAP_MIB} MiB${removed}; ` +
          'run it again with NODE_OPTIONS="--max-old-space-size=1024" (or more)\n',
      );
      process.exitCode = 1;
    } else if (signal) {
      process.stderr.write(`dsr: stopped by ${signal}${removed}\n`);
      process.exitCode = 128 + (osConstants.signals[signal] ?? 0);
    } else process.exitCode = code ?? 1;
  });
}

/** The CLI's `main`: compiled, or from the source through tsx when DSR_CLI_SOURCE=1. */
async function loadCli() {
  if (process.env.DSR_CLI_SOURCE === '1') {
    const { register } = await import('tsx/esm/api');
    register();
    return (await import('../cli/main.ts')).main;
  }
  const compiled = new URL('../dist/cli/main.js', import.meta.url);
  if (!existsSync(compiled)) {
    process.stderr.write('dsr: the CLI is not built: run `npm run build` (`npm ci` builds it)\n');
    process.exit(1);
  }
  return (await import(compiled.href)).main;
}
