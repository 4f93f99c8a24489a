// Runs the `dsr` program like bin/dsr.js does and reports, after it, every module it imported:
// one JSON line `{"code":…,"imports":[…]}` on fd 3.
import { writeSync } from 'node:fs';
import { register } from 'tsx/esm/api';

const imports = [];
register({ onImport: (url) => imports.push(url) });
const { runCli } = await import(new URL('../../cli/main.ts', import.meta.url).href);
const code = await runCli(process.argv.slice(2));
writeSync(3, `${JSON.stringify({ code, imports })}\n`);
