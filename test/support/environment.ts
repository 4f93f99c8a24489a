/**
 * Puts an environment variable back as it was: deleted when it was unset (assigning `undefined` to
 * `process.env` sets the text "undefined", which a later file sharing the worker would inherit).
 */
export function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
