/** One file of a package being written: bytes in order, then `close` (or `abort` after a failure). */
export interface PackageSinkFile {
  /** Waits while the destination is behind, so the caller never holds more than a buffer. */
  write(chunk: Buffer): Promise<void>;
  /** The file is whole at its destination once this resolves. */
  close(): Promise<void>;
  /** Gives up the file after a failure; what was written of it may or may not remain. */
  abort(): Promise<void>;
}

/**
 * Where a package's files go: a folder on disk (`dsr report --out`, {@link DirectoryPackageSink})
 * or the payload bucket under `packages/<request id>/` (the deployed and local pipeline, through
 * an adapter). Paths are relative to the package, with `/` (`index.html`, `data/orders.csv`).
 * The manifest is written last: a package is complete when its `manifest.json` is there.
 */
export interface PackageSink {
  /** Where the package is, for messages and the caller (a folder, or `s3://bucket/packages/id/`). */
  readonly location: string;
  /** Makes ready for a new package with these sub-folders (a folder: created 0700, `data/` emptied). */
  prepare(folders: readonly string[]): Promise<void>;
  open(path: string): PackageSinkFile;
  /** Removes what a failed write left, where the sink can (a folder; a bucket keeps it until overwritten). */
  discard(paths: readonly string[]): Promise<void>;
}
