import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../shared/canonical/canonicalJson';
import { parseExactJson } from '../../../shared/canonical/parseExactJson';
import { parseDataMap } from '../../../shared/datamap/loadDataMap';
import { buildFindingsDocument } from '../../../shared/discovery/FindingsDocument';
import { findingsSourceOf } from '../../../shared/discovery/FindingsStream';
import { PackageEvidenceMismatchError } from '../../../shared/report/package/PackageEvidenceMismatchError';
import { writeAccessPackage } from '../../../shared/report/package/writeAccessPackage';
import { zipPackage } from '../../../shared/report/package/zipPackage';
import {
  BIG_VALUE_LENGTH,
  HOSTILE,
  hostileDocument,
  packageMap,
  packageRequest,
  packageTempDir,
  PACKAGE_MAP_YAML as YAML_OF_PACKAGE_MAP,
} from '../../support/packageFixture';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

let root: string;
beforeAll(async () => {
  root = await packageTempDir();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('Function: writeAccessPackage', () => {
  it('writes the page, a CSV and a JSON file per table with rows, the evidence and a manifest of every file', async () => {
    const document = hostileDocument();
    const dir = join(root, 'basic');
    const written = await writeAccessPackage({
      source: findingsSourceOf(document),
      dataMap: packageMap,
      request: packageRequest,
      dir,
    });

    expect(await filesOf(dir)).toEqual([
      'data/public.newsletter_subscriptions.csv',
      'data/public.newsletter_subscriptions.json',
      'data/public.users.csv',
      'data/public.users.json',
      'evidence.json',
      'index.html',
      'manifest.json',
    ]);
    const evidence = await readFile(join(dir, 'evidence.json'));
    expect(sha256(evidence)).toBe(document.evidenceHash);
    expect(canonicalJson(parseExactJson(evidence.toString('utf8')))).toBe(evidence.toString('utf8'));
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.evidenceHash).toBe(document.evidenceHash);
    for (const f of manifest.files) expect(sha256(await readFile(join(dir, f.path))), f.path).toBe(f.sha256);
    expect(manifest.files.map((f: { path: string }) => f.path)).not.toContain('manifest.json');
    expect(written.files.at(-1)?.path).toBe('manifest.json');

    const html = await readFile(join(dir, 'index.html'), 'utf8');
    const [body, appendix] = html.split('id="appendix"') as [string, string];
    // Plain words above the appendix: the map's title, a humanised name, no internal names.
    expect(body).toContain('Your customer account');
    expect(body).toContain('Newsletter subscriptions');
    // Files are named after the tables; nothing else above the appendix names them.
    expect(body.replace(/data\/[\w.$-]+/g, '')).not.toMatch(/public\.|postgres/);
    // Orders were searched and nothing was found: no section, only the appendix's line.
    expect(body).not.toMatch(/Orders/);
    expect(appendix).toContain('public.orders');
    expect(appendix).toContain('found by your email address (in column email)');
    expect(appendix).toContain(document.evidenceHash);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    // Art. 15(1)(h) and 15(2) come from the map.
    expect(body).toContain('We make no decision about you based solely on automated processing');
    expect(body).toContain('Standard contractual clauses (Art. 46(2)(c) GDPR)');
    expect(body).toContain('dpo@shop.example');
  });

  it("shows the data map's texts as values are shown: a right-to-left override in a title or the controller's name is visible", async () => {
    // Prepare: a disclosure title and the controller's name each hold U+202E.
    const map = parseDataMap(
      YAML_OF_PACKAGE_MAP.replace(
        'title: Your customer account',
        'title: "Your account \u202Egnp.exe"',
      ).replace('name: Example Shop GmbH', 'name: "Example \u202EHbmG pohS"'),
      'bidi-map.yaml',
    );
    const dir = join(root, 'bidi-map');

    // Act
    await writeAccessPackage({
      source: findingsSourceOf(hostileDocument()),
      dataMap: map,
      request: packageRequest,
      dir,
    });

    // Assess
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('Your account [U+202E]gnp.exe');
    expect(html).toContain('Example [U+202E]HbmG pohS');
    expect(html).not.toContain('\u202E');
  });

  it('says the answer may be incomplete where the follow guard left values out, instead of "nothing found"', async () => {
    // Prepare: the subject's customer row only; the value her orders are reached by was refused.
    const document = buildFindingsDocument({
      requestId: packageRequest.requestId,
      subjectHash: 'a'.repeat(64),
      tables: [
        { system: 'postgres', table: 'public.users', primaryKey: ['id'], rows: [] },
        { system: 'postgres', table: 'public.orders', primaryKey: ['id'], rows: [] },
      ],
      notFollowed: [
        {
          system: 'postgres',
          table: 'public.users',
          column: 'id',
          into: ['postgres:public.orders.user_id'],
          rows: 2,
          values: 1,
        },
      ],
    });
    const dir = join(root, 'incomplete');

    // Act
    await writeAccessPackage({
      source: findingsSourceOf(document),
      dataMap: packageMap,
      request: packageRequest,
      dir,
    });

    // Assess
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    const [body, appendix] = html.split('id="appendix"') as [string, string];
    expect(body).toContain('This answer may not be complete: some records in Orders could not be told apart');
    expect(body).not.toContain('We found no personal data about you.');
    expect(appendix).toMatch(
      /<code>public\.orders<\/code><\/td><td>0<\/td><td><span class="empty">Not searched in full/,
    );
    expect(appendix).toMatch(
      /<code>public\.users<\/code><\/td><td>0<\/td><td><span class="empty">Searched, nothing found/,
    );
  });

  it('says which of the request\'s identifiers it did not search by, instead of "nothing found"', async () => {
    // Prepare: the request named a phone number two people's accounts hold; nothing was searched.
    const document = buildFindingsDocument({
      requestId: packageRequest.requestId,
      subjectHash: 'a'.repeat(64),
      tables: [{ system: 'postgres', table: 'public.users', primaryKey: ['id'], rows: [] }],
      notFollowed: [
        {
          system: 'postgres',
          table: 'public.users',
          column: 'phone',
          identity: 'phone',
          requested: true,
          rows: 2,
          values: 1,
        },
      ],
    });
    const dir = join(root, 'identifier-shared');

    // Act
    await writeAccessPackage({
      source: findingsSourceOf(document),
      dataMap: packageMap,
      request: packageRequest,
      dir,
    });

    // Assess
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    const [body, appendix] = html.split('id="appendix"') as [string, string];
    expect(body).toContain(
      'We did not search by the phone you gave us: it is recorded for more than one person',
    );
    expect(body).not.toContain('We found no personal data about you.');
    expect(appendix).toContain('phone of the request not searched: held by 2 rows of public.users.phone');
  });

  it('writes byte-identical packages from the same evidence', async () => {
    const write = async (name: string) => {
      const dir = join(root, name);
      await writeAccessPackage({
        source: findingsSourceOf(hostileDocument()),
        dataMap: packageMap,
        request: packageRequest,
        dir,
      });
      return Promise.all((await filesOf(dir)).map(async (f) => [f, sha256(await readFile(join(dir, f)))]));
    };
    expect(await write('same-1')).toEqual(await write('same-2'));
  });

  it('shows hostile values as text, cuts a 10 MB value on the page, neutralises formulas in CSV and keeps JSON exact', async () => {
    const dir = join(root, 'hostile');
    await writeAccessPackage({
      source: findingsSourceOf(hostileDocument({ big: true })),
      dataMap: packageMap,
      request: packageRequest,
      dir,
    });
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('&lt;script&gt;document.title&#x3D;&quot;pwned&quot;&lt;/script&gt;');
    expect(html).toContain('invoice[U+202E]gpj.exe');
    expect(html).not.toContain('\u202E');
    expect(html).toContain('before\u2400after');
    expect(html).not.toContain('\u0000');
    expect(html.length).toBeLessThan(200_000);
    expect(html).toContain(
      `the full value of ${BIG_VALUE_LENGTH} characters is in data/public.newsletter_subscriptions.json`,
    );

    const csv = await readFile(join(dir, 'data/public.users.csv'), 'utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const [header, row] = csv.slice(1).split('\r\n') as [string, string];
    expect(header).toBe('at,balance,big_number,email,formula,id,img,link,nul,plus,prefs,rtl,script,tab');
    expect(row).toContain(`"'=HYPERLINK(""http://203.0.113.9/x"",""click"")"`);
    expect(row).toContain("'+1 555 0100");
    expect(row).toMatch(/^'@SUM\(1\+1\),-12\.50,123456789012345678901234567890,/);
    expect(row).toContain("'\tindented");

    const json = await readFile(join(dir, 'data/public.users.json'), 'utf8');
    const [user] = parseExactJson(json) as [Record<string, unknown>];
    expect(user.formula).toBe(HOSTILE.formula);
    expect(user.rtl).toBe(HOSTILE.rtl);
    expect(user.nul).toBe(HOSTILE.nul);
    expect(json).toContain('"prefs":{"limit":1.000000000000000000001,"theme":"dark"}');
    const notes = JSON.parse(await readFile(join(dir, 'data/public.newsletter_subscriptions.json'), 'utf8'));
    expect(notes[0].topic).toHaveLength(BIG_VALUE_LENGTH);
  });

  it('splits a CSV where a spreadsheet could not open it and shows the first rows of a long table', async () => {
    const dir = join(root, 'split');
    await writeAccessPackage({
      source: findingsSourceOf(hostileDocument({ notes: 5 })),
      dataMap: packageMap,
      request: packageRequest,
      dir,
      limits: { csvRowsPerFile: 2, htmlRowsPerTable: 3 },
    });
    const parts = ['part1', 'part2', 'part3'].map((p) => `data/public.newsletter_subscriptions.${p}.csv`);
    expect((await filesOf(dir)).filter((f) => f.includes('newsletter') && f.endsWith('.csv'))).toEqual(parts);
    const lines = await Promise.all(
      parts.map(async (p) => (await readFile(join(dir, p), 'utf8')).trimEnd().split('\r\n')),
    );
    expect(lines.map((l) => l.length)).toEqual([3, 3, 2]);
    expect(lines.map((l) => l[0])).toEqual([
      '\uFEFFid,topic,user_id',
      '\uFEFFid,topic,user_id',
      '\uFEFFid,topic,user_id',
    ]);
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('The first 3 of 5 records are shown here');
    expect(html).toContain('data-rows="5"');
  });

  it("writes in the request's language, else the map's default", async () => {
    const de = join(root, 'de');
    const written = await writeAccessPackage({
      source: findingsSourceOf(hostileDocument()),
      dataMap: packageMap,
      request: { ...packageRequest, language: 'de-AT' },
      dir: de,
    });
    expect(written.language).toBe('de');
    const html = await readFile(join(de, 'index.html'), 'utf8');
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('Ihre personenbezogenen Daten');
    expect(html).toContain('Wir speichern 4 Datensätze über Sie, an 2 Stellen.');
    const fr = await writeAccessPackage({
      source: findingsSourceOf(hostileDocument()),
      dataMap: packageMap,
      request: { ...packageRequest, language: 'fr' },
      dir: join(root, 'fr'),
    });
    expect(fr.language).toBe('en');
  });

  it('refuses findings that do not hash to the evidence hash, and leaves no package', async () => {
    const document = hostileDocument();
    const dir = join(root, 'tampered');
    const source = findingsSourceOf({ ...document, evidenceHash: 'f'.repeat(64) });
    await expect(
      writeAccessPackage({ source, dataMap: packageMap, request: packageRequest, dir }),
    ).rejects.toBeInstanceOf(PackageEvidenceMismatchError);
    expect(await filesOf(dir)).toEqual([]);
  });
});

describe('Function: zipPackage', () => {
  it('zips every file of the package, the same bytes each time and in any time zone', async () => {
    const dir = join(root, 'zipped');
    const written = await writeAccessPackage({
      source: findingsSourceOf(hostileDocument()),
      dataMap: packageMap,
      request: packageRequest,
      dir,
    });
    await zipPackage(dir, written.files, join(root, 'a.zip'));
    const before = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      await zipPackage(dir, written.files, join(root, 'b.zip'));
    } finally {
      process.env.TZ = before;
    }
    const [a, b] = await Promise.all([readFile(join(root, 'a.zip')), readFile(join(root, 'b.zip'))]);
    expect(sha256(a)).toBe(sha256(b));
    // Local file headers (signature PK\3\4) name each file once, in path order.
    const names: string[] = [];
    const signature = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
    for (let at = a.indexOf(signature); at >= 0; at = a.indexOf(signature, at + 4))
      names.push(a.toString('utf8', at + 30, at + 30 + a.readUInt16LE(at + 26)));
    expect(names).toEqual(written.files.map((f) => f.path).sort());
  });

  it("lists the identifiers not followed and the unparsed phone numbers in the auditor's appendix, by table and count only", async () => {
    const dir = join(root, 'not-followed');
    const document = {
      ...hostileDocument(),
      notFollowed: [
        {
          column: 'phone',
          identity: 'phone',
          rows: 2,
          system: 'postgres' as const,
          table: 'public.users',
          values: 1,
        },
      ],
      unparsedPhones: [{ column: 'phone', rows: 3, system: 'postgres' as const, table: 'public.users' }],
    };
    await writeAccessPackage({
      source: findingsSourceOf(document),
      dataMap: packageMap,
      request: packageRequest,
      dir,
    });
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('<h3>Identifiers found in your records that other records share too');
    expect(html).toContain('<li>phone not followed: shared by 2 rows of public.users.phone (postgres)</li>');
    expect(html).toContain(
      '<li>3 rows of public.users.phone hold a phone number that could not be parsed (compared as digits) (postgres)</li>',
    );
    const plain = join(root, 'followed');
    await writeAccessPackage({
      source: findingsSourceOf(hostileDocument()),
      dataMap: packageMap,
      request: packageRequest,
      dir: plain,
    });
    const plainHtml = await readFile(join(plain, 'index.html'), 'utf8');
    expect(plainHtml).not.toContain('not followed');
    expect(plainHtml).not.toContain('could not be parsed');
  });

  it('writes a table with columns named constructor and __proto__, which are no category', async () => {
    const dir = join(root, 'proto-columns');

    // Act
    await writeOneOrder(dir, '{"__proto__":"p-value","constructor":"c-value","id":7,"user_id":42}');

    // Assess: both columns and their values are on the page, as fields without a category.
    const page = await readFile(join(dir, 'index.html'), 'utf8');
    for (const text of ['constructor', '__proto__', 'c-value', 'p-value']) expect(page).toContain(text);
  });

  it("neutralises a column name a spreadsheet would read as a formula in the CSV's header", async () => {
    const dir = join(root, 'formula-header');

    // Act
    await writeOneOrder(dir, `{"=cmd|' /C calc'!A0":"x","id":7,"user_id":42}`);

    // Assess
    const csv = (await filesOf(dir)).find((f) => f.endsWith('.csv')) as string;
    const header = (await readFile(join(dir, csv), 'utf8'))
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)[0] as string;
    expect(header).toContain(`'=cmd|' /C calc'!A0`);
    expect(header.startsWith('=') || header.includes(',=')).toBe(false);
  });
});

/**
 * Writes the package of one order row given as the JSON the hand-off carries (read exactly, so a
 * column named `__proto__` stays a column).
 */
async function writeOneOrder(dir: string, rowJson: string): Promise<void> {
  const document = buildFindingsDocument({
    requestId: packageRequest.requestId,
    subjectHash: 'a'.repeat(64),
    tables: [
      {
        system: 'postgres',
        table: 'public.orders',
        primaryKey: ['id'],
        rows: [{ key: { id: 7 }, provenance: [], row: parseExactJson(rowJson) as never }],
      },
    ],
  });
  await writeAccessPackage({
    source: findingsSourceOf(document),
    dataMap: packageMap,
    request: packageRequest,
    dir,
  });
}
