// Runs the `dsr` program like bin/dsr.js does and reports, after it, every module it imported:
// one JSON line `{"codes":[…],"imports":[…]}` on fd 3. With `--each '<JSON list of argument
// lists>'` it runs the program once for each list in turn, in this one process, and reports every
// exit code and the modules all of them imported.
import { writeSync } from 'node:fs';
import { register } from 'tsx/esm/api';

const imports = [];
register({ onImport: (url) => imports.push(url) });
const { runCli } = await import(new URL('../../cli/main.ts', import.meta.url).href);
const args = process.argv.slice(2);
const runs = args[0] === '--each' ? JSON.parse(args[1] ?? '[]') : [args];
const codes = [];
for (const argv of runs) codes.push(await runCli(argv));
writeSync(3, `${JSON.stringify({ codes, imports })}\n`);
