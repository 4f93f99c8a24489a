/** Kept for the tests that import it from here; it lives with the other Snowflake test set-up. */
export { openTestSnowflakeDatabase } from '../../support/snowflake';
