import type { DuckDBConnection } from '@duckdb/node-api';
import type { EngineSession } from './EngineSession';
import type { SnowflakeCatalog } from './SnowflakeCatalog';
import type { SqlToken } from './tokenizeSql';
import type { TableReference, TranslationContext } from './translateExpression';

/** The largest bound value, VARIANT value and statement text: 16 MB. */
export const LOB_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * What the engine's statements share: the DuckDB connection that manages databases, the catalog of
 * declared columns, the databases and warehouses that exist, and the name resolution every
 * statement uses. The engine holds it; the DDL, DML and session statements take it explicitly.
 */
export interface EngineState {
  readonly meta: DuckDBConnection;
  readonly catalog: SnowflakeCatalog;
  readonly mainDatabase: string;
  readonly databases: Set<string>;
  readonly warehouses: Set<string>;
  /** Attaches a database (in memory, or a file next to the main one) and gives it a PUBLIC schema. */
  attach(name: string): Promise<void>;
  /** Makes a database (and schema) current; `quiet` ignores a failure. */
  use(session: EngineSession, database: string, schema: string | undefined, quiet: boolean): Promise<void>;
  readName(tokens: readonly SqlToken[], start: number): { parts: string[]; next: number };
  resolveTable(session: EngineSession, parts: TableReference): [string, string, string];
  requireDatabase(session: EngineSession): string;
  tableSql(name: readonly string[]): string;
  context(session: EngineSession): TranslationContext;
  schemaExists(database: string, schema: string): Promise<boolean>;
}
