import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';

describe('test PostgreSQL', () => {
  it('answers on the provided DSN', async () => {
    const client = new pg.Client({ connectionString: inject('pgAdminDsn') });
    await client.connect();
    const { rows } = await client.query('select 1 as one');
    await client.end();
    expect(rows).toEqual([{ one: 1 }]);
  });
});
