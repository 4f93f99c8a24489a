import { describe, expect, it } from 'vitest';
import type { DataMap } from '../../../shared/datamap/dataMapSchema';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { executePostgresErasure } from '../../../shared/erasure/executePostgresErasure';
import { planSubjectErasure } from '../../../shared/erasure/planSubjectErasure';
import { checkPostgresCatalog } from '../../../shared/postgres/checkPostgresCatalog';
import { PostgresTableSearcher } from '../../../shared/postgres/PostgresTableSearcher';
import { readPgCatalog } from '../../../shared/postgres/readPgCatalog';
import { TEST_HASH_KEY } from '../../support/discovery';
import {
  countValues,
  deterministicBytes,
  erasePg,
  snapshotOthers,
  useErasureDatabase,
} from '../../support/erasureFixture';

/**
 * Tables whose rows live in several physical tables, where neither a key nor a row's address
 * (`ctid`) is unique: a list-partitioned log without a key, a partitioned table whose partitions
 * each declare a key on `id` alone (so an id repeats across partitions), and a table with a child
 * table by inheritance (its primary key holds in each table alone).
 *
 * Ana (user 1) and Ben (user 2). The first row written to a partition has the address (0,1), so
 * Ana's log rows in `eu` and `us` and Ben's in `apac` share it. Ana has visit 7 in two partitions,
 * and visit 9 in `us` while Ben has visit 9 in `eu`. Ana has note 5 in the parent and note 6 in the
 * archive, and Ben note 5 in the archive.
 */
const SCHEMA = `
  DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app;
  CREATE TABLE app.users (id int PRIMARY KEY, email text NOT NULL UNIQUE);
  CREATE TABLE app.logs (user_id int NOT NULL, region text NOT NULL, note text) PARTITION BY LIST (region);
  CREATE TABLE app.logs_eu PARTITION OF app.logs FOR VALUES IN ('eu');
  CREATE TABLE app.logs_us PARTITION OF app.logs FOR VALUES IN ('us');
  CREATE TABLE app.logs_apac PARTITION OF app.logs FOR VALUES IN ('apac');
  CREATE TABLE app.visits (id bigint NOT NULL, user_id int NOT NULL, region text NOT NULL, page text)
    PARTITION BY LIST (region);
  CREATE TABLE app.visits_eu PARTITION OF app.visits (PRIMARY KEY (id)) FOR VALUES IN ('eu');
  CREATE TABLE app.visits_us PARTITION OF app.visits (PRIMARY KEY (id)) FOR VALUES IN ('us');
  CREATE TABLE app.notes (id bigint PRIMARY KEY, user_id int NOT NULL, body text);
  CREATE TABLE app.notes_archive () INHERITS (app.notes);
  INSERT INTO app.users VALUES (1, 'ana@x.test'), (2, 'ben@x.test');
  INSERT INTO app.logs VALUES (1, 'eu', 'ana in eu'), (2, 'eu', 'ben in eu'), (1, 'us', 'ana in us'),
    (2, 'apac', 'ben in apac');
  INSERT INTO app.visits VALUES (7, 1, 'eu', 'ana home'), (7, 1, 'us', 'ana cart'), (9, 2, 'eu', 'ben home'),
    (9, 1, 'us', 'ana help');
  INSERT INTO app.notes VALUES (5, 1, 'ana current');
  INSERT INTO app.notes_archive VALUES (5, 2, 'ben archived'), (6, 1, 'ana archived');
`;

const HEAD = `version: 1
identities:
  email: { normalize: lowercase }
postgres:
  - table: app.users
    primaryKey: [id]
    identities: { email: email }
    erasure: { action: retain, ground: "the account stays open" }
`;
const follow = (table: string, key?: string) =>
  `  - table: ${table}\n${key ? `    primaryKey: [${key}]\n` : ''}    follow: { user_id: app.users.id }\n    erasure: delete\n`;

const OTHERS = {
  'app.users': 'true',
  'app.logs': 'user_id <> 1',
  'app.visits': 'user_id <> 1',
  'app.notes': 'user_id <> 1',
};
const ANA = { email: ['ana@x.test'] };
const ANA_TEXT = ['ana in', 'ana home', 'ana cart', 'ana help', 'ana current', 'ana archived'];

const scratch = useErasureDatabase('erase_partitions', SCHEMA, { freshPool: true });

/** The subject's erasure under `map` through the read pool (which may write here). */
async function erase(map: string) {
  return erasePg(scratch.db, map, ANA, { writeDb: scratch.db });
}

describe('Function: eraseSubject (rows in partitions and child tables)', () => {
  it("a keyless partitioned table: erases the subject's rows in every partition, and no other person's though their rows share an address", async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, OTHERS);
    const addresses = await scratch.test.exec(
      `SELECT tableoid::regclass::text AS t, ctid::text AS c, user_id FROM app.logs ORDER BY 1, 2`,
    );
    expect(addresses.rows).toEqual([
      { t: 'app.logs_apac', c: '(0,1)', user_id: 2 },
      { t: 'app.logs_eu', c: '(0,1)', user_id: 1 },
      { t: 'app.logs_eu', c: '(0,2)', user_id: 2 },
      { t: 'app.logs_us', c: '(0,1)', user_id: 1 },
    ]);

    // Act
    const result = await erase(HEAD + follow('app.logs'));

    // Assess
    expect(result).toMatchObject({ outcome: 'executed', verification: { outcome: 'erased' } });
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
    expect(await countValues(scratch.test, ['app.logs'], ANA_TEXT)).toEqual({ 'app.logs': 0 });
  });

  it("a partitioned table keyed by its partitions' key and the column it is partitioned by: finds and erases both rows sharing an id, and not the other person's", async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, OTHERS);
    const map = HEAD + follow('app.visits', 'id, region');

    // Act
    const found = await findingsOf(map);
    const result = await erase(map);

    // Assess: Ana's visit 7 in eu and in us, and her visit 9 in us, each its own finding.
    expect(found['app.visits']).toEqual([
      '{"id":"7","region":"eu"}',
      '{"id":"7","region":"us"}',
      '{"id":"9","region":"us"}',
    ]);
    expect(result).toMatchObject({ outcome: 'executed', verification: { outcome: 'erased' } });
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
    expect(await countValues(scratch.test, ['app.visits'], ANA_TEXT)).toEqual({ 'app.visits': 0 });
  });

  it("a table with a child table by inheritance, mapped keyless: finds and erases its rows and its child's, and not the other person's row with the same id", async () => {
    // Prepare
    const before = await snapshotOthers(scratch.test, OTHERS);
    const map = HEAD + follow('app.notes');

    // Act
    const found = await findingsOf(map);
    const result = await erase(map);

    // Assess
    expect(found['app.notes']).toHaveLength(2);
    expect(result).toMatchObject({ outcome: 'executed', verification: { outcome: 'erased' } });
    expect(await snapshotOthers(scratch.test, OTHERS)).toEqual(before);
    expect(await countValues(scratch.test, ['app.notes'], ANA_TEXT)).toEqual({ 'app.notes': 0 });
  });
});

describe('Function: eraseSubject (triggers of partitions, child tables and generated columns)', () => {
  const AUDIT = `
    CREATE SCHEMA IF NOT EXISTS audit; CREATE TABLE IF NOT EXISTS audit.copies (row_text text);
    CREATE OR REPLACE FUNCTION audit.keep() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO audit.copies VALUES (OLD::text); RETURN NULL; END $$;`;
  const EVERY_ROW = { ...OTHERS, 'app.logs': 'true', 'app.notes': 'true', 'app.users': 'true' };

  async function refusedNaming(map: string, trigger: string, message: string) {
    await scratch.test.exec('DROP TABLE IF EXISTS audit.copies; CREATE TABLE audit.copies (row_text text)');
    const before = await snapshotOthers(scratch.test, EVERY_ROW);
    const result = await erase(map);
    expect(result).toMatchObject({
      outcome: 'refused',
      problems: [
        expect.objectContaining({
          code: 'SIDE_EFFECT_UNACKNOWLEDGED',
          message: expect.stringContaining(message),
        }),
      ],
    });
    expect(result.outcome === 'refused' ? result.problems : []).toHaveLength(1);
    expect(JSON.stringify(result)).toContain(trigger);
    expect(await snapshotOthers(scratch.test, EVERY_ROW)).toEqual(before);
    expect((await scratch.test.exec('SELECT count(*)::int AS n FROM audit.copies')).rows[0].n).toBe(0);
  }

  it("refuses the plan for a row trigger on one partition, which fires on the partitioned table's DELETE", async () => {
    await scratch.test.exec(`${AUDIT}
      CREATE TRIGGER keep_eu AFTER DELETE ON app.logs_eu FOR EACH ROW EXECUTE FUNCTION audit.keep();`);
    await refusedNaming(
      HEAD + follow('app.logs'),
      'keep_eu',
      'trigger keep_eu (on app.logs_eu, whose rows the planned DELETE changes too) fires on the planned DELETE',
    );
  });

  it("refuses the plan once for a partitioned table's own trigger, not once per partition it is copied to", async () => {
    await scratch.test.exec(`${AUDIT}
      CREATE TRIGGER keep_all AFTER DELETE ON app.logs FOR EACH ROW EXECUTE FUNCTION audit.keep();`);
    await refusedNaming(
      HEAD + follow('app.logs'),
      'keep_all',
      'trigger keep_all fires on the planned DELETE',
    );
  });

  it("refuses the plan for a partitioned table's trigger disabled there and enabled again on one partition", async () => {
    await scratch.test.exec(`${AUDIT}
      CREATE TRIGGER keep_all AFTER DELETE ON app.logs FOR EACH ROW EXECUTE FUNCTION audit.keep();
      ALTER TABLE app.logs DISABLE TRIGGER keep_all;
      ALTER TABLE app.logs_eu ENABLE TRIGGER keep_all;`);
    await refusedNaming(
      HEAD + follow('app.logs'),
      'keep_all',
      'trigger keep_all (on app.logs_eu, whose rows the planned DELETE changes too) fires on the planned DELETE',
    );
  });

  it('refuses the plan for a row trigger on a child table by inheritance', async () => {
    await scratch.test.exec(`${AUDIT}
      CREATE TRIGGER keep_archived AFTER DELETE ON app.notes_archive FOR EACH ROW EXECUTE FUNCTION audit.keep();`);
    await refusedNaming(
      HEAD + follow('app.notes'),
      'keep_archived',
      'trigger keep_archived (on app.notes_archive, whose rows the planned DELETE changes too)',
    );
  });

  it('refuses a mask for an UPDATE OF trigger on a generated column computed from the masked column', async () => {
    await scratch.test.exec(`${AUDIT}
      ALTER TABLE app.users ADD COLUMN domain text GENERATED ALWAYS AS (split_part(email, '@', 2)) STORED;
      CREATE TRIGGER keep_domain AFTER UPDATE OF domain ON app.users FOR EACH ROW EXECUTE FUNCTION audit.keep();
      ALTER TABLE app.users DROP CONSTRAINT users_email_key;`);
    const map = HEAD.replace(
      'erasure: { action: retain, ground: "the account stays open" }',
      'erasure: { action: mask, columns: { email: hash } }',
    );
    await refusedNaming(map, 'keep_domain', 'trigger keep_domain fires on the planned UPDATE');
  });
});

describe('Function: checkPostgresCatalog (keys of partitioned and inherited tables)', () => {
  it('refuses a key its partitions declare without the column it is partitioned by, naming the column to add', async () => {
    const problems = checkPostgresCatalog(
      parseDataMap(HEAD + follow('app.visits', 'id'), 'test.yaml'),
      await readPgCatalog(scratch.db, ['app']),
    );
    expect(problems.map((p) => p.message)).toEqual([
      "[id] is not the primary key of app.visits nor a unique index over NOT NULL columns, and its partitions' keys hold within each partition alone, so two partitions could each hold a row with the same [id]; add the column(s) it is partitioned by (region) to primaryKey",
    ]);
  });

  it('refuses a key on a table with child tables by inheritance, naming them and the way out', async () => {
    const problems = checkPostgresCatalog(
      parseDataMap(HEAD + follow('app.notes', 'id'), 'test.yaml'),
      await readPgCatalog(scratch.db, ['app']),
    );
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringContaining(
        '[id] cannot be the key of app.notes: it has child tables by inheritance (app.notes_archive), whose rows a search of it reads too',
      ),
    ]);
    expect(problems[0]?.message).toContain('declare no primaryKey');
  });

  it("refuses a map naming both a table and its child table by inheritance: the child's rows would be found twice", async () => {
    const problems = checkPostgresCatalog(
      parseDataMap(HEAD + follow('app.notes') + follow('app.notes_archive'), 'test.yaml'),
      await readPgCatalog(scratch.db, ['app']),
    );
    expect(problems.map((p) => p.message)).toEqual([
      "app.notes_archive is a child table of app.notes by inheritance, which the data map also names: a search of app.notes reads its rows, so they would be found twice; remove one of the two entries (the parent's reads both)",
    ]);
  });

  it('refuses a map naming both a partitioned table and one of its partitions', async () => {
    const problems = checkPostgresCatalog(
      parseDataMap(HEAD + follow('app.logs') + follow('app.logs_eu'), 'test.yaml'),
      await readPgCatalog(scratch.db, ['app']),
    );
    expect(problems.map((p) => p.message)).toEqual([
      "app.logs_eu is a partition of app.logs, which the data map also names: a search of app.logs reads its rows, so they would be found twice; remove one of the two entries (the parent's reads both)",
    ]);
  });

  it("refuses a partitioned table keyed by an expression's partitions, and accepts it keyless", async () => {
    await scratch.test.exec(`
      CREATE TABLE app.calls (id bigint NOT NULL, user_id int NOT NULL, country text NOT NULL) PARTITION BY LIST ((lower(country)));
      CREATE TABLE app.calls_se PARTITION OF app.calls (PRIMARY KEY (id)) FOR VALUES IN ('se');`);
    const catalog = await readPgCatalog(scratch.db, ['app']);
    expect(
      checkPostgresCatalog(parseDataMap(HEAD + follow('app.calls', 'id, country'), 'test.yaml'), catalog).map(
        (p) => p.message,
      ),
    ).toEqual([expect.stringContaining('it is partitioned by an expression')]);
    expect(checkPostgresCatalog(parseDataMap(HEAD + follow('app.calls'), 'test.yaml'), catalog)).toEqual([]);
  });
});

describe('Function: executePostgresErasure (a child table created between plan and change)', () => {
  it("refuses, changing nothing, when a child table made after the plan holds another person's row with a planned key", async () => {
    // Prepare: Ana's tickets planned while the table has no child; then a child table with Ben's
    // row under the key of one of Ana's, written by another session.
    await scratch.test.exec(`
      CREATE TABLE app.tickets (id bigint PRIMARY KEY, user_id int NOT NULL, subject text);
      INSERT INTO app.tickets VALUES (1, 1, 'ana refund'), (2, 1, 'ana login'), (3, 2, 'ben refund');`);
    const map = parseDataMap(HEAD + follow('app.tickets', 'id'), 'test.yaml');
    const planning = await planForAna(map);
    expect(planning.problems).toEqual([]);
    await scratch.test.exec(`
      CREATE TABLE app.tickets_old () INHERITS (app.tickets);
      INSERT INTO app.tickets_old VALUES (2, 2, 'ben archived');`);
    const everyRow = { 'app.tickets': 'true' };
    const before = await snapshotOthers(scratch.test, everyRow);

    // Act
    const result = await executePostgresErasure(
      {
        db: scratch.db,
        dataMap: map,
        catalog: planning.catalog,
        maskKey: 'k',
        randomBytes: deterministicBytes,
      },
      planning.plan,
      { findings: planning.findings },
    );

    // Assess
    expect(result).toEqual({
      outcome: 'refused',
      problems: [
        expect.objectContaining({
          table: 'app.tickets',
          code: 'KEY_REFUSED',
          message: expect.stringContaining("1 row(s) locked share a planned row's key [id]"),
        }),
      ],
    });
    expect(await snapshotOthers(scratch.test, everyRow)).toEqual(before);
    expect(before['app.tickets']).toHaveLength(4);
  });
});

/** Ana's erasure planned under `dataMap` (discovery, plan and checks; nothing changed). */
async function planForAna(dataMap: DataMap) {
  const postgres = await PostgresTableSearcher.create(scratch.db, dataMap, 'test.yaml');
  return planSubjectErasure(
    {
      dataMap,
      db: scratch.db,
      searchers: { postgres },
      subjectHashKey: TEST_HASH_KEY,
      maskKey: 'k',
      randomBytes: deterministicBytes,
    },
    { requestId: 'r', identifiers: ANA },
  );
}

/** The keys each table's findings hold for Ana under `map`, as canonical JSON. */
async function findingsOf(map: string): Promise<Record<string, string[]>> {
  const planning = await planForAna(parseDataMap(map, 'test.yaml'));
  const out: Record<string, string[]> = {};
  for (const f of planning.findings.findings) out[f.table] = [...(out[f.table] ?? []), JSON.stringify(f.key)];
  return out;
}
