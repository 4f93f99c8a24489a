import { Document, isMap, isScalar, isSeq } from 'yaml';
import type { InitialDataMap } from './InitialDataMap';

/**
 * Renders a proposed data map as YAML, each inferred entry followed by a comment saying why it was
 * inferred, and a header listing the tables left out. `source` names what was read, e.g. `the
 * PostgreSQL catalog`. The output parses with `parseDataMap`.
 */
export function renderInitialDataMap(proposal: InitialDataMap, source: string): string {
  const doc = new Document({
    version: 1,
    identities: Object.fromEntries(
      [...proposal.identities].map(([kind, normalize]) => [kind, { normalize }]),
    ),
    postgres: proposal.postgres.map((t) => ({
      table: t.table,
      primaryKey: [...t.primaryKey.value],
      ...(t.identities.size > 0
        ? { identities: Object.fromEntries([...t.identities].map(([k, v]) => [k, v.value])) }
        : {}),
      ...(t.follow.size > 0
        ? { follow: Object.fromEntries([...t.follow].map(([k, v]) => [k, v.value])) }
        : {}),
      ...(t.exclude.length > 0 ? { exclude: t.exclude.map((e) => e.value) } : {}),
      ...(t.mirror ? { mirror: t.mirror.value } : {}),
    })),
    snowflake: [],
  });

  const header = [
    ` Data map proposed by \`dsr datamap init\` from ${source}.`,
    ' Every entry was inferred; the comment beside it says from what. Review it before use:',
    ' add identities the names and samples did not reveal, and exclude columns not to hand over.',
  ];
  if (proposal.leftOut.length > 0) {
    header.push('', ' Left out of this map:');
    for (const { table, reason } of proposal.leftOut) header.push(`   ${table}: ${reason}`);
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
    if (isSeq(key)) {
      key.flow = true;
      key.comment = ` ${proposed.primaryKey.reason}`;
    }
    const comment = (section: string, entries: Iterable<[string, { reason: string }]>) => {
      const map = node.get(section, true);
      if (!isMap(map)) return;
      for (const [name, { reason }] of entries) {
        const value = map.get(name, true);
        if (isScalar(value)) value.comment = ` ${reason}`;
      }
    };
    comment('identities', proposed.identities);
    comment('follow', proposed.follow);
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
