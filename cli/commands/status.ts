import type { Command } from 'commander';
import { evidenceLocation, openSnowflakeFromEnv } from '../../adapters/aws/openSnowflakeFromEnv';
import type { CanonicalValue } from '../../shared/canonical/CanonicalValue';
import { canonicalJson } from '../../shared/canonical/canonicalJson';
import { lifecycleOf } from '../../shared/ledger/RequestState';
import { type LedgerRecord, readLedger } from '../../shared/load/readLedger';
import { SnowflakeError } from '../../shared/snowflake/errors';
import type { SnowflakeDatabase } from '../../shared/snowflake/SnowflakeDatabase';
import type { LoadLocation } from '../../shared/snowflake/statements';
import { CliError, EXIT } from '../CliError';
import { addFormatOption, writeResult } from '../OutputFormat';

interface StatusOptions {
  format: 'table' | 'json';
}

/** Snowflake's "object does not exist or not authorized". */
const MISSING_OBJECT = '002003';

/** `dsr status REQUEST_ID [--format table|json]` */
export function registerStatus(program: Command): void {
  const command = program
    .command('status')
    .description(
      "print a request's history from the ledger (DSR_LEDGER) and its current state; exit 1 when the ledger has no such request",
    )
    .argument('<request-id>', 'the request id')
    .addHelpText(
      'after',
      '\nSnowflake settings come from SNOWFLAKE_* (as for `dsr drift`); the ledger is read from ' +
        'SNOWFLAKE_LOAD_DATABASE.SNOWFLAKE_LOAD_SCHEMA (default: SNOWFLAKE_DATABASE.SNOWFLAKE_SCHEMA).',
    );
  addFormatOption(command, 'table').action(async (requestId: string, options: StatusOptions) => {
    const setup = openSnowflakeFromEnv(process.env);
    const { db } = setup;
    const location = evidenceLocation(setup);
    try {
      const history = await readRequestHistory(db, location, requestId);
      writeResult(options.format, statusDocument(requestId, history), () => formatStatus(requestId, history));
    } finally {
      await db.close();
    }
  });
}

/**
 * A request's ledger entries, oldest first. A request the ledger does not hold — or a ledger that
 * does not exist yet — is a {@link CliError} with exit code 1.
 */
export async function readRequestHistory(
  db: SnowflakeDatabase,
  location: LoadLocation,
  requestId: string,
): Promise<LedgerRecord[]> {
  const where = `${location.database}.${location.schema}.DSR_LEDGER`;
  let history: LedgerRecord[];
  try {
    history = await readLedger(db, location, requestId);
  } catch (error) {
    if (error instanceof SnowflakeError && error.snowflakeCode === MISSING_OBJECT)
      throw new CliError(`no request ${requestId}: the ledger ${where} does not exist`, EXIT.failed);
    throw error;
  }
  if (history.length === 0) throw new CliError(`no request ${requestId} in the ledger ${where}`, EXIT.failed);
  return history;
}

/**
 * The request's current state: its last lifecycle entry. Annotations (an extension, the values of
 * its evidence removed by a later erasure) say something about the request without moving it.
 */
function currentEntry(history: readonly LedgerRecord[]): LedgerRecord | undefined {
  return lifecycleOf(history).at(-1) ?? history.at(-1);
}

/** What an operator should know beside the state: a plan waiting for approval, values removed. */
function notes(requestId: string, history: readonly LedgerRecord[]): string[] {
  const out: string[] = [];
  const current = currentEntry(history);
  if (current?.state === 'awaiting_approval') {
    const d = current.detail ?? {};
    out.push(
      `waiting for approval since ${current.at}: plan ${String(d.planHash ?? '?')}, ${String(d.rowsToChange ?? '?')} rows to change` +
        `${(d.reasons ?? d.reason) ? ` (${String(d.reasons ?? d.reason)})` : ''}; approve with: dsr approve ${requestId}`,
    );
  }
  for (const e of history.filter((h) => h.state === 'values_erased'))
    out.push(
      `values of its evidence removed on ${e.at} by erasure request ${String(e.detail?.byRequest ?? '?')} (${String(e.detail?.rows ?? '?')} rows)`,
    );
  return out;
}

/** The history as `--format json` prints it. */
function statusDocument(requestId: string, history: readonly LedgerRecord[]) {
  const last = currentEntry(history);
  return {
    requestId,
    state: last?.state ?? null,
    notes: notes(requestId, history),
    history: history.map((e) => ({
      at: e.at,
      state: e.state,
      stage: e.stage,
      traceId: e.traceId,
      // Through canonical JSON so exact numbers print as numbers, not as their text.
      detail: e.detail ? (JSON.parse(canonicalJson(e.detail)) as unknown) : null,
    })),
  };
}

/** The history as a table, one line per transition, then the current state. */
function formatStatus(requestId: string, history: readonly LedgerRecord[]): string {
  const header = ['TIME', 'STATE', 'STAGE', 'TRACE ID', 'DETAIL'];
  const lines = history.map((e) => [e.at, e.state, e.stage, e.traceId ?? '-', formatDetail(e)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const row = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const last = currentEntry(history);
  const current = last ? `${last.state} (${last.stage}, ${last.at})` : 'none';
  const extra = notes(requestId, history).map((n) => `${n}\n`);
  return `request ${requestId}\n\n${[row(header), ...lines.map(row)].join('\n')}\n\ncurrent state: ${current}\n${extra.join('')}`;
}

function formatDetail(entry: LedgerRecord): string {
  if (!entry.detail) return '-';
  return Object.entries(entry.detail)
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'string' ? value : canonicalJson(value as CanonicalValue)}`,
    )
    .join(' ');
}
