import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { packageFile } from '../../package/packageFile';
import type { Wording, WordingKey } from './Wording';

/** The pages' templates, in `shared/report/templates/`; partials are the other `.hbs` files there. */
const PAGES = ['accessStart', 'accessTable', 'accessEnd', 'erasure'] as const;
const PARTIALS = ['style', 'documentHead', 'contact', 'person', 'rights', 'list', 'timeline'] as const;
export type PageTemplate = (typeof PAGES)[number];

/** The root of every page's view: the wording its `t` and `n` helpers read. */
export interface PageView {
  readonly wording: Wording;
  readonly [field: string]: unknown;
}

function templateText(name: string): string {
  return readFileSync(packageFile(`shared/report/templates/${name}.hbs`), 'utf8');
}

/**
 * Handlebars, in an environment of its own, with HTML escaping on (the default; never switched off
 * here, and no template uses the triple-stash): every value and every piece of wording is escaped
 * for the text or quoted-attribute context it is written into. The only helpers are the wording's.
 */
const engine = Handlebars.create();
engine.registerHelper('t', function (this: unknown, key: WordingKey, options: Handlebars.HelperOptions) {
  return wordingOf(options).t(key, options.hash as Record<string, string | number>);
});
engine.registerHelper(
  'n',
  function (this: unknown, key: string, count: number, options: Handlebars.HelperOptions) {
    return wordingOf(options).count(key, count, options.hash as Record<string, string | number>);
  },
);
for (const name of PARTIALS) engine.registerPartial(name, templateText(name));

const compiled = new Map(
  PAGES.map((name) => [name, engine.compile(templateText(name), { strict: false, preventIndent: true })]),
);

function wordingOf(options: Handlebars.HelperOptions): Wording {
  return (options.data as { root: PageView }).root.wording;
}

/** One page (or part of one) as HTML. */
export function renderPage(name: PageTemplate, view: PageView): string {
  return (compiled.get(name) as Handlebars.TemplateDelegate)(view);
}
