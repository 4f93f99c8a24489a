import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingsSourceOf } from '../../../shared/discovery/FindingsStream';
import { writeAccessPackage } from '../../../shared/report/package/writeAccessPackage';
import { writeErasurePackage } from '../../../shared/report/package/writeErasurePackage';
import { sampleErasureReceipt } from '../../support/erasureReceiptFixture';
import {
  BIG_VALUE_LENGTH,
  HOSTILE,
  hostileDocument,
  packageMap,
  packageRequest,
  packageTempDir,
} from '../../support/packageFixture';

/** The little of the DOM the checks read (the project compiles without the DOM library). */
interface Element {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): Element | null;
  querySelectorAll(selector: string): ArrayLike<Element> & Iterable<Element>;
}
interface PageDocument extends Element {
  readonly title: string;
  readonly documentElement: { readonly scrollWidth: number };
}

/** Debian's `chromium` (installed by `.ci/run`); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots kept for a person to look at (gitignored). */
const ARTIFACTS = join(import.meta.dirname, '../../../test-artifacts');

let root: string;
let browser: Browser;
const evidence = hostileDocument({ big: true });

beforeAll(async () => {
  root = await packageTempDir();
  await mkdir(ARTIFACTS, { recursive: true });
  await writeAccessPackage({
    source: findingsSourceOf(evidence),
    dataMap: packageMap,
    request: packageRequest,
    dir: join(root, 'access'),
  });
  await writeErasurePackage({
    receipt: sampleErasureReceipt('REQ-ER-PKG'),
    dataMap: packageMap,
    dir: join(root, 'erasure'),
  });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root (CI), Chromium runs only without its sandbox; the page is our own, from disk.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--disable-dev-shm-usage'],
  });
});

afterAll(async () => {
  await browser?.close();
  await rm(root, { recursive: true, force: true });
});

/** Opens a page with every request intercepted: only the page itself is let through. */
async function open(file: string): Promise<{ page: Page; blocked: string[]; errors: string[] }> {
  const page = await browser.newPage();
  const url = pathToFileURL(file).href;
  const blocked: string[] = [];
  const errors: string[] = [];
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.url() === url) void request.continue();
    else {
      blocked.push(request.url());
      void request.abort();
    }
  });
  page.on('console', (message) => errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(url, { waitUntil: 'load' });
  return { page, blocked, errors };
}

describe("The subject's package in a real browser (headless Chromium)", { timeout: 60_000 }, () => {
  it('runs no script, makes no request, shows every row count and the hostile values as text', async () => {
    const { page, blocked, errors } = await open(join(root, 'access', 'index.html'));

    const seen = await page.evaluate(() => {
      const document = (globalThis as unknown as { document: PageDocument }).document;
      const cell = (label: string) =>
        document.querySelector(`section.table td[data-label="${label}"]`)?.textContent ?? null;
      return {
        title: document.title,
        active: document.querySelectorAll('script, img, iframe, object, embed, form, svg, link, base').length,
        links: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        tables: [...document.querySelectorAll('section.table')].map((s) => ({
          rows: s.querySelector('[data-rows]')?.getAttribute('data-rows'),
          count: s.querySelector('[data-rows]')?.textContent,
          shown: s.querySelectorAll('tbody tr').length,
        })),
        script: cell('script'),
        img: cell('img'),
        link: cell('link'),
        rtl: cell('rtl'),
        nul: cell('nul'),
        big: cell('topic'),
        csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'),
      };
    });

    // No script ran (the hostile one would have set the title) and nothing was fetched.
    expect(seen.title).toBe('Your personal data');
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    expect(seen.active).toBe(0);
    expect(seen.links.every((href) => href?.startsWith('#'))).toBe(true);
    expect(seen.csp).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    // One section per table with rows, each with its count; the empty table has none.
    expect(seen.tables).toEqual([
      { rows: '3', count: '3 records', shown: 3 },
      { rows: '1', count: '1 record', shown: 1 },
    ]);
    expect(evidence.counts.postgres?.['public.orders']).toBe(0);
    // Hostile values are text.
    expect(seen.script).toBe(HOSTILE.script);
    expect(seen.img).toBe(HOSTILE.img);
    expect(seen.link).toBe(HOSTILE.link);
    expect(seen.rtl).toBe('invoice[U+202E]gpj.exe');
    expect(seen.nul).toBe('before\u2400after');
    expect(seen.big).toContain(`the full value of ${BIG_VALUE_LENGTH} characters is in`);
    expect(seen.big?.length).toBeLessThan(3000);

    await page.setViewport({ width: 1100, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, 'package-desktop.png'), fullPage: true });
    await page.setViewport({ width: 390, height: 844, isMobile: true, deviceScaleFactor: 1 });
    await page.screenshot({ path: join(ARTIFACTS, 'package-phone.png'), fullPage: true });
    const section = await page.$('#t2');
    await section?.screenshot({ path: join(ARTIFACTS, 'package-phone-table.png') });
    // On a phone the page is no wider than the screen: wide tables scroll in their own box.
    const width = await page.evaluate(
      () => (globalThis as unknown as { document: PageDocument }).document.documentElement.scrollWidth,
    );
    expect(width).toBeLessThanOrEqual(390);
    await page.close();
  });

  it('shows the erasure confirmation without script or requests', async () => {
    const { page, blocked, errors } = await open(join(root, 'erasure', 'index.html'));
    const seen = await page.evaluate(() => {
      const document = (globalThis as unknown as { document: PageDocument }).document;
      return {
        heading: document.querySelector('h1')?.textContent,
        rows: document.querySelectorAll('#tables tbody tr').length,
        active: document.querySelectorAll('script, img, iframe, object, embed').length,
      };
    });
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    expect(seen).toEqual({
      heading: 'Confirmation of erasure',
      rows: sampleErasureReceipt('REQ-ER-PKG').tables.length,
      active: 0,
    });
    await page.screenshot({ path: join(ARTIFACTS, 'erasure-desktop.png'), fullPage: true });
    await page.close();
  });
});
