/** Receives each serialized log or metric line. Lambda's is stdout; tests collect lines. */
export type LogSink = (line: string) => void;

/** Writes a line to stdout, where Lambda ships it to CloudWatch Logs. */
export const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};
