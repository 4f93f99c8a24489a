import { describe, expect, it } from 'vitest';
import {
  qualifiedName,
  quoteQualifiedName,
  splitQualifiedName,
} from '../../../shared/postgres/qualifiedName';

describe('Function: qualifiedName', () => {
  it.each([
    ['app', 'users', 'app.users', '"app"."users"'],
    ['rep.orts', 'user_emails', '"rep.orts".user_emails', '"rep.orts"."user_emails"'],
    ['legacy', 'notes.v1', 'legacy."notes.v1"', '"legacy"."notes.v1"'],
    ['we"ird', 'a.b"c', '"we""ird"."a.b""c"', '"we""ird"."a.b""c"'],
  ])('%s and %s read %s, split back, and quote as %s', (schema, name, qualified, quoted) => {
    expect(qualifiedName(schema, name)).toBe(qualified);
    expect(splitQualifiedName(qualified)).toEqual([schema, name]);
    expect(quoteQualifiedName(qualified)).toBe(quoted);
  });

  it.each(['users', 'a.b.c', '"open.x', '.x', 'a.', '"a"b.c'])('refuses %s', (bad) => {
    expect(() => splitQualifiedName(bad)).toThrow(/schema-qualified|unterminated/);
  });
});
