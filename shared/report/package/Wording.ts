import type { PackageLanguage } from '../../datamap/dataMapSchema';
import de from '../lang/de.json' with { type: 'json' };
import en from '../lang/en.json' with { type: 'json' };

/** The keys of a language file: every language file has exactly the English file's keys. */
export type WordingKey = keyof typeof en;

const FILES: Readonly<Record<PackageLanguage, Readonly<Record<WordingKey, string>>>> = { en, de };

/** The languages a package can be written in, each with its language file in `shared/report/lang/`. */
export const LANGUAGES = Object.keys(FILES) as PackageLanguage[];

/**
 * The words of one language file, with `{name}` placeholders filled in. Returns plain text: the
 * template engine escapes it, placeholders' values included, so a value can never become markup.
 */
export class Wording {
  private constructor(
    readonly language: PackageLanguage,
    private readonly words: Readonly<Record<WordingKey, string>>,
  ) {}

  static of(language: PackageLanguage): Wording {
    return new Wording(language, FILES[language]);
  }

  /** The text of `key` with its placeholders replaced; an unknown placeholder is left as written. */
  t(key: WordingKey, params: Readonly<Record<string, string | number>> = {}): string {
    return this.words[key].replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) =>
      name in params ? String(params[name]) : whole,
    );
  }

  /** `key.one` for a count of 1, else `key.other` (the plural rule of English and German). */
  count(key: string, count: number, params: Readonly<Record<string, string | number>> = {}): string {
    return this.t(`${key}.${count === 1 ? 'one' : 'other'}` as WordingKey, { count, ...params });
  }

  /** How an identity kind is named to the subject: its entry in the language file, else the kind in words. */
  identity(kind: string): string {
    const key = `identity.${kind}`;
    return key in this.words ? this.words[key as WordingKey] : kind.replace(/_/g, ' ');
  }
}

/**
 * The package's language: the request's, when a language file exists for its primary subtag
 * (`de-AT` → `de`), else the data map's default.
 */
export function chooseLanguage(requested: string | undefined, fallback: PackageLanguage): PackageLanguage {
  const primary = requested?.toLowerCase().split('-')[0];
  return (LANGUAGES as string[]).includes(primary ?? '') ? (primary as PackageLanguage) : fallback;
}
