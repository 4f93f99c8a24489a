import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../errors/errors';

/** Port through which the client gets the key-pair private key (a file locally, Secrets Manager in AWS). */
export interface PrivateKeySource {
  /** The private key as unencrypted PKCS#8 PEM. */
  get(): Promise<string>;
}

/**
 * Reads a PEM private key (optionally encrypted) and returns it as unencrypted PKCS#8 PEM, the form
 * the driver's `privateKey` option takes. Errors name the variable, never the key.
 */
export function toPkcs8Pem(pem: string, passphrase: string | undefined, variable: string): string {
  try {
    return createPrivateKey({ key: pem, format: 'pem', ...(passphrase ? { passphrase } : {}) })
      .export({ format: 'pem', type: 'pkcs8' })
      .toString();
  } catch {
    throw new ConfigError(
      variable,
      passphrase
        ? 'is not a PEM private key that SNOWFLAKE_PRIVATE_KEY_PASSPHRASE decrypts'
        : 'is not a PEM private key (an encrypted key needs SNOWFLAKE_PRIVATE_KEY_PASSPHRASE)',
    );
  }
}

/** The private key from a PEM file, read once. */
export class FilePrivateKeySource implements PrivateKeySource {
  private key: Promise<string> | undefined;

  constructor(
    private readonly path: string,
    private readonly passphrase?: string,
  ) {}

  get(): Promise<string> {
    this.key ??= readFile(this.path, 'utf8').then(
      (pem) => toPkcs8Pem(pem, this.passphrase, 'SNOWFLAKE_PRIVATE_KEY_PATH'),
      (cause: NodeJS.ErrnoException) => {
        this.key = undefined;
        throw new ConfigError(
          'SNOWFLAKE_PRIVATE_KEY_PATH',
          `cannot read the key file (${cause.code ?? 'error'})`,
        );
      },
    );
    return this.key;
  }
}
