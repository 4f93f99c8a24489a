import { type Command, Option } from 'commander';

/** How a command prints its result: for a person (`text`, or `table` where it is a table), or `json`. */
export type OutputFormat = 'text' | 'table' | 'json';

/**
 * Adds `--format <human>|json` to a command, `human` the default. An unknown value is refused by
 * commander as a usage error (exit 2), naming the choices.
 */
export function addFormatOption(command: Command, human: 'text' | 'table' = 'text'): Command {
  return command.addOption(
    new Option('--format <format>', `${human} or json`).choices([human, 'json']).default(human),
  );
}

/**
 * Writes a command's result on stdout: `value` as one JSON document (two-space indented, a final
 * line feed) when `format` is `json`, otherwise what `text` renders. `value` holds names, counts and
 * hashes as the text does: never a row's values or an identifier.
 */
export function writeResult(format: OutputFormat, value: unknown, text: () => string): void {
  process.stdout.write(format === 'json' ? jsonDocument(value) : text());
}

/**
 * Writes one event of a command that runs until stopped (`dsr local snowflake`): as one JSON line
 * (JSON Lines, so a reader can act on each as it comes) when `format` is `json`, otherwise `text`.
 */
export function writeEvent(format: OutputFormat, value: unknown, text: () => string): void {
  process.stdout.write(format === 'json' ? `${JSON.stringify(value)}\n` : text());
}

/** `value` as the document `--format json` prints. */
export function jsonDocument(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
