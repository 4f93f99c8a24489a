/** The two kinds of database a data map names. */
export type System = 'postgres' | 'snowflake';
