/** Builds the CLI into `outdir` (default `dist/`) and returns the files written or kept. */
export function buildCli(options?: { outdir?: string }): Promise<string[]>;
