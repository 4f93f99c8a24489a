import { describe, expect, it } from 'vitest';
import {
  type CanonicalObject,
  type CanonicalValue,
  JsonNumber,
} from '../../../shared/canonical/CanonicalValue';
import { type MetRecord, metRecordOrder, sortMetRecords } from '../../../shared/discovery/collapseMetRecords';
import { compareFindingKeys } from '../../../shared/discovery/compareFindingKeys';
import {
  comparePreparedFindingKeys,
  preparedFindingKey,
  sortedByFindingKey,
} from '../../../shared/discovery/preparedFindingKey';

// Values real keys hold: ints, int8/numeric as text (leading and trailing zeros, signs, zeros),
// floats, numbers that print with an exponent, uuids and other text, jsonb keys, nulls.
const VALUES: CanonicalValue[] = [
  0,
  -0,
  1,
  -1,
  2,
  10,
  9007199254740991,
  1e21,
  -1e21,
  0.5,
  -0.25,
  Number.NaN,
  '0',
  '-0',
  '0.0',
  '-0.000',
  '007',
  '7',
  '7.10',
  '7.1',
  '7.',
  '.5',
  '-',
  '-00.00',
  '000',
  '0.500',
  '65391308622679595',
  '-7.1',
  '123456789012345678901234567890',
  '-123456789012345678901234567890.5',
  '1e5',
  '',
  'a',
  'B',
  'é',
  '7a',
  '00000000-0000-0000-0000-000000000001',
  new JsonNumber('12'),
  new JsonNumber('1.50'),
  new JsonNumber('-3e2'),
  null,
  true,
  false,
  [1, 'x'],
  { b: 1, a: [new JsonNumber('2')] },
];

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

describe('Finding keys prepared once compare as the keys do', () => {
  it('orders every pair of single-column keys as compareFindingKeys does', () => {
    const order = ['id'];
    for (const a of VALUES)
      for (const b of VALUES) {
        const ka: CanonicalObject = { id: a };
        const kb: CanonicalObject = { id: b };
        expect(
          sign(comparePreparedFindingKeys(preparedFindingKey(ka, order), preparedFindingKey(kb, order))),
          `${String(a)} vs ${String(b)}`,
        ).toBe(sign(compareFindingKeys(ka, kb, order)));
      }
  });

  it('orders composite keys, missing columns included, as compareFindingKeys does', () => {
    // Prepare: pseudo-random composite keys from a fixed seed, some without a column.
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const order = ['tenant', 'id', 'at'];
    const keys: CanonicalObject[] = Array.from({ length: 300 }, () => {
      const key: CanonicalObject = {};
      for (const column of order) if (next() % 5 !== 0) key[column] = VALUES[next() % VALUES.length] ?? null;
      return key;
    });
    const prepared = keys.map((k) => preparedFindingKey(k, order));

    // Act
    const byKeys = keys
      .map((_, i) => i)
      .sort(
        (i, j) => compareFindingKeys(keys[i] as CanonicalObject, keys[j] as CanonicalObject, order) || i - j,
      );
    const byPrepared = keys
      .map((_, i) => i)
      .sort((i, j) => comparePreparedFindingKeys(prepared[i] ?? [], prepared[j] ?? []) || i - j);

    // Assess
    expect(byPrepared).toEqual(byKeys);
  });

  it('sorts meetings as metRecordOrder does, and items by key as compareFindingKeys does, ties kept', () => {
    // Prepare: meetings of pseudo-random composite keys, several per key, in rounds and matches.
    let seed = 11;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const order = ['tenant', 'id'];
    const keys: CanonicalObject[] = Array.from({ length: 60 }, () => ({
      tenant: VALUES[next() % VALUES.length] ?? null,
      id: VALUES[next() % VALUES.length] ?? null,
    }));
    const records: MetRecord<number>[] = Array.from({ length: 400 }, (_, i) => {
      const key = keys[next() % keys.length] as CanonicalObject;
      return { key, keyJson: JSON.stringify(key), round: next() % 3, matchId: `m${next() % 4}`, row: i };
    });

    // Act
    const byOrder = [...records].sort(metRecordOrder(order)).map((r) => r.row);
    const sorted = sortMetRecords([...records], order).map((r) => r.row);
    const byKey = [...records]
      .sort((a, b) => compareFindingKeys(a.key, b.key, order) || a.row - b.row)
      .map((r) => r.row);
    const byPreparedKey = sortedByFindingKey(records, order).map((r) => r.row);

    // Assess
    expect(sorted).toEqual(byOrder);
    expect(byPreparedKey).toEqual(byKey);
  });
});
