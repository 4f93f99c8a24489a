/** Exit codes of the `dsr` command. */
export const EXIT = {
  ok: 0,
  /** The check failed or the work could not be done (invalid data map, gate halt, database fault). */
  failed: 1,
  /** The command line itself is wrong. */
  usage: 2,
} as const;

/** An error the CLI reports as one line on stderr with the given exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
