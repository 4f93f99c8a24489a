import { Document, isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import type { Inferred, InitialDataMap } from './InitialDataMap';

/**
 * Renders a proposed data map as YAML, each inferred entry followed by a comment saying why it was
 * inferred (a follow edge: the foreign key, or the name and how many sampled values were found,
 * and its fan-out), edges not followed written commented out with their reason, and the tables no
 * subject reaches written commented out at the end. `source` names what was read, e.g. `the PostgreSQL
 * catalog`. A key or column with one value is written as a scalar, with several as a list, one
 * item a line so each carries its own comment.
 */
export function renderInitialDataMap(proposal: InitialDataMap, source: string): string {
  const oneOrMany = (entries: ReadonlyMap<string, readonly Inferred<string>[]>) =>
    Object.fromEntries(
      [...entries].map(([k, v]) => [
        k,
        v.length === 1 ? (v[0] as Inferred<string>).value : v.map((i) => i.value),
      ]),
    );
  const doc = new Document({
    version: 1,
    identities: Object.fromEntries(
      [...proposal.identities].map(([kind, normalize]) => [kind, { normalize }]),
    ),
    postgres: proposal.postgres.map((t) => ({
      table: t.table,
      ...(t.primaryKey ? { primaryKey: [...t.primaryKey.value] } : {}),
      ...(t.identities.size > 0 ? { identities: oneOrMany(t.identities) } : {}),
      ...(t.learn ? { learn: [...t.learn.value] } : {}),
      ...(t.follow.size > 0 ? { follow: oneOrMany(t.follow) } : {}),
      ...(t.categories.size > 0
        ? { categories: Object.fromEntries([...t.categories].map(([k, v]) => [k, v.value])) }
        : {}),
      ...(t.exclude.length > 0 ? { exclude: t.exclude.map((e) => e.value) } : {}),
      ...(t.mirror ? { mirror: t.mirror.value } : {}),
      // What the subject's package says about the table: for a person to fill in.
      disclosure: {
        title: `TODO: what the subject calls ${t.table}, e.g. "Your customer account"`,
        purposes: ['TODO: why it is processed'],
        retention: 'TODO: how long it is kept',
        source: 'TODO: where the data comes from',
      },
    })),
    snowflake: [],
    // Who answers the subject: `dsr datamap validate` lists every TODO until it is filled in.
    controller: {
      name: "TODO: the controller's legal name",
      email: 'TODO: where the subject writes to',
      dpo: { name: 'TODO: the data protection officer', email: 'TODO: their address' },
      supervisoryAuthority: { name: 'TODO: the supervisory authority a complaint goes to' },
      // No `transfers` or `automatedDecisions`: `[]` would tell the subject there are none, a
      // statement nobody has made yet. Left out, the package says they were not stated, and
      // `dsr datamap validate` lists both until they are written.
    },
  });

  const header = [
    ` Data map proposed by \`dsr datamap init\` from ${source}.`,
    ' Every entry was inferred; the comment beside it says from what. Review it before use:',
    ' drop follow edges that are wrong (each says whether a foreign key declares it or how many',
    ' sampled values of the column were found in the column it points at), add identities the',
    ' names and samples did not reveal, and exclude columns not to hand over.',
  ];
  if (proposal.notes?.length) header.push('', ...proposal.notes.map((n) => ` ${n}`));
  if (proposal.leftOut.length > 0) {
    header.push('', ' Not searched yet (written out, commented, at the end of the file):');
    for (const { table, reason } of proposal.leftOut) header.push(`   ${table}: ${reason}`);
    // Every table stays in the file: an entry nothing reaches would be refused, so it is written
    // commented out, to be connected by an identity or a follow edge.
    const trailer = [
      ' Tables no subject reaches yet: uncomment an entry and give it an identity or a follow edge.',
    ];
    for (const { table, reason, primaryKey } of proposal.leftOut) {
      if (!/^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$/.test(table)) continue;
      trailer.push(` - table: ${table}  # ${reason}`);
      if (primaryKey) trailer.push(`   primaryKey: [${primaryKey.join(', ')}]`);
    }
    doc.comment = trailer.join('\n');
  }
  doc.commentBefore = header.join('\n');

  const identities = doc.get('identities', true);
  if (isMap(identities)) for (const item of identities.items) if (isMap(item.value)) item.value.flow = true;
  const snowflake = doc.get('snowflake', true);
  if (isSeq(snowflake)) {
    snowflake.flow = true;
    snowflake.comment = ' Snowflake-only tables are not proposed; mirrors are set on the PostgreSQL tables';
  }

  const tables = doc.get('postgres', true);
  proposal.postgres.forEach((proposed, i) => {
    const node = isSeq(tables) ? tables.items[i] : undefined;
    if (!isMap(node)) return;
    if (proposed.notes.length > 0) node.commentBefore = proposed.notes.map((n) => ` ${n}`).join('\n');
    const key = node.get('primaryKey', true);
    if (isSeq(key) && proposed.primaryKey) {
      key.flow = true;
      key.comment = ` ${proposed.primaryKey.reason}`;
    }
    const learn = node.get('learn', true);
    if (isSeq(learn) && proposed.learn) {
      learn.flow = true;
      learn.comment = ` ${proposed.learn.reason}`;
    }
    commentEntries(node, 'identities', proposed.identities);
    commentEntries(node, 'follow', proposed.follow);
    commentEntries(node, 'categories', new Map([...proposed.categories].map(([k, v]) => [k, [v]])));
    const exclude = node.get('exclude', true);
    proposed.exclude.forEach((e, j) => {
      const item = isSeq(exclude) ? exclude.items[j] : undefined;
      if (isScalar(item)) item.comment = ` ${e.reason}`;
    });
    const mirror = node.get('mirror', true);
    if (proposed.mirror && isScalar(mirror)) mirror.comment = ` ${proposed.mirror.reason}`;
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Puts each entry's reason beside it: on the scalar, or on each item of a list. */
function commentEntries(
  node: YAMLMap,
  section: string,
  entries: ReadonlyMap<string, readonly Inferred<string>[]>,
): void {
  const map = node.get(section, true);
  if (!isMap(map)) return;
  for (const [name, inferred] of entries) {
    const value: unknown = map.get(name, true);
    if (isScalar(value)) value.comment = ` ${inferred[0]?.reason ?? ''}`;
    else if (isSeq(value))
      value.items.forEach((item, j) => {
        if (isScalar(item)) item.comment = ` ${inferred[j]?.reason ?? ''}`;
      });
  }
}
