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
