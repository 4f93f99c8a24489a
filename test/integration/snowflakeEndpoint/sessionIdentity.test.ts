import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSnowflake } from '../../../local/snowflake/startLocalSnowflake';
import {
  connectTestDriver,
  destroyDriver,
  executeOnDriver,
  startTestSnowflake,
} from '../../support/snowflake';

/**
 * `CURRENT_USER()` answers the user's name as Snowflake stores it (an unquoted name upper-case,
 * however the login spelled it); `CURRENT_ROLE()` the session's primary role: the one the login
 * named, else the user's default role, else PUBLIC. `dsr approve` records the approver from them.
 * https://docs.snowflake.com/en/sql-reference/functions/current_user
 * https://docs.snowflake.com/en/sql-reference/functions/current_role
 */
describe('Local Snowflake endpoint: CURRENT_USER() and CURRENT_ROLE(), with the real driver', () => {
  let sf: LocalSnowflake;

  beforeAll(async () => {
    sf = await startTestSnowflake({
      users: {
        DSR: { password: 'dsr' },
        privacy_officer: { password: 'po', defaultRole: 'dsr_approver' },
      },
    });
  });
  afterAll(async () => {
    await sf?.stop();
  });

  it('answers the login user upper-cased and PUBLIC when the user has no default role', async () => {
    // Prepare
    const conn = await connectTestDriver(sf, { username: 'dsr' });

    // Act
    const rows = await executeOnDriver(conn, 'SELECT CURRENT_USER() AS U, CURRENT_ROLE() AS R');

    // Assess
    expect(rows).toEqual([{ U: 'DSR', R: 'PUBLIC' }]);
    await destroyDriver(conn);
  });

  it("answers the user's default role, and the role the login names instead when it names one", async () => {
    // Act
    const byDefault = await connectTestDriver(sf, { username: 'Privacy_Officer', password: 'po' });
    const named = await connectTestDriver(sf, {
      username: 'privacy_officer',
      password: 'po',
      role: 'auditor',
    });
    const defaultRows = await executeOnDriver(byDefault, 'SELECT CURRENT_USER() AS U, CURRENT_ROLE() AS R');
    const namedRows = await executeOnDriver(named, 'SELECT CURRENT_USER() AS U, CURRENT_ROLE() AS R');

    // Assess
    expect(defaultRows).toEqual([{ U: 'PRIVACY_OFFICER', R: 'DSR_APPROVER' }]);
    expect(namedRows).toEqual([{ U: 'PRIVACY_OFFICER', R: 'AUDITOR' }]);
    await destroyDriver(byDefault);
    await destroyDriver(named);
  });

  it('follows USE ROLE, and accepts CURRENT_USER without parentheses as Snowflake does', async () => {
    // Prepare
    const conn = await connectTestDriver(sf);

    // Act
    await executeOnDriver(conn, 'USE ROLE dsr_loader');
    const rows = await executeOnDriver(conn, 'SELECT CURRENT_USER AS U, CURRENT_ROLE() AS R');

    // Assess
    expect(rows).toEqual([{ U: 'DSR', R: 'DSR_LOADER' }]);
    await destroyDriver(conn);
  });

  it('refuses an argument to CURRENT_ROLE()', async () => {
    // Prepare
    const conn = await connectTestDriver(sf);

    // Act
    const failure = executeOnDriver(conn, "SELECT CURRENT_ROLE('x')");

    // Assess
    await expect(failure).rejects.toMatchObject({ code: expect.any(String) });
    await destroyDriver(conn);
  });
});
