import { CliError, EXIT } from './CliError';

/**
 * Collects repeated `--subject kind=value` options into identity kind → values. Commander calls it
 * once per option with the previous result, so the result is extended in place: copying it on every
 * call made 40,000 subjects take minutes.
 */
export function collectSubject(
  option: string,
  previous: Record<string, string[]> = {},
): Record<string, string[]> {
  const eq = option.indexOf('=');
  const kind = option.slice(0, eq);
  if (eq <= 0 || !/^[a-z][a-z0-9_]*$/.test(kind) || eq === option.length - 1) {
    throw new CliError('--subject takes kind=value, e.g. --subject email=ana@example.com', EXIT.usage);
  }
  const values = Object.hasOwn(previous, kind) ? previous[kind] : undefined;
  if (values) values.push(option.slice(eq + 1));
  else previous[kind] = [option.slice(eq + 1)];
  return previous;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Checks a request id: 1–128 characters of letters, digits and `._:-`. */
export function checkRequestId(id: string): string {
  if (!REQUEST_ID.test(id)) {
    throw new CliError('--request-id takes 1-128 characters of letters, digits and . _ : -', EXIT.usage);
  }
  return id;
}

/** A plausible e-mail address: one `@`, something before it, a dotted domain after, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/**
 * Checks the subject given on the command line against the data map's identity kinds: a kind the
 * map does not declare, and a value whose syntax its kind refuses, are usage errors (exit 2), so
 * a mistyped identifier is not answered with a valid-looking "0 rows". An e-mail kind (named
 * `email` or `…_email`) takes an address; a `digits` kind needs a digit. Messages name the kind,
 * never the value.
 */
export function checkSubjectKinds(
  identities: Readonly<Record<string, { readonly normalize: string }>>,
  subject: Readonly<Record<string, readonly string[]>>,
): void {
  const declared = Object.keys(identities);
  for (const [kind, values] of Object.entries(subject)) {
    const spec = Object.hasOwn(identities, kind) ? identities[kind] : undefined;
    if (!spec)
      throw new CliError(
        `--subject ${kind}: not an identity kind of this data map (it declares ${declared.join(', ') || 'none'})`,
        EXIT.usage,
      );
    for (const value of values) {
      const trimmed = value.trim();
      if ((kind === 'email' || kind.endsWith('_email')) && !EMAIL.test(trimmed))
        throw new CliError(`--subject ${kind}: the value is not an e-mail address`, EXIT.usage);
      if (spec.normalize === 'digits' && !/\d/.test(trimmed))
        throw new CliError(`--subject ${kind}: the value has no digits`, EXIT.usage);
    }
  }
}

/**
 * `PG_DSN` as a PostgreSQL connection URL, or a usage error that says what it should look like
 * (rather than the driver's `getaddrinfo ENOTFOUND` for a string it read as a host name). The
 * value is never repeated: it may hold a password.
 */
export function pgDsnFromEnv(env: NodeJS.ProcessEnv = process.env, needs = 'PG_DSN is not set'): string {
  const dsn = env.PG_DSN;
  const shape = 'postgres://user:password@host:port/database';
  if (!dsn) throw new CliError(`${needs} (${shape})`, EXIT.usage);
  if (!URL.canParse(dsn) || !/^postgres(ql)?:$/.test(new URL(dsn).protocol))
    throw new CliError(`PG_DSN is not a PostgreSQL connection URL (${shape})`, EXIT.usage);
  return dsn;
}
