import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { decode } from 'fast-png';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/harness/html-escape.js';
import { LATENCY_CHART_ID, renderHtmlReport, THROUGHPUT_CHART_ID } from '../../src/harness/html-report.js';
import { reportArb, sampleReport } from './bench-report-arbitrary.js';

const execFileAsync = promisify(execFile);

/** Debian's Chromium; `.ci/run` installs it, so only a developer's machine may lack it. */
const CHROMIUM = '/usr/bin/chromium';
const chromium = existsSync(CHROMIUM);
/** In CI a missing browser is a failure, not a skip. */
const skipBrowser = !chromium && process.env.CI === undefined;
/** Chromium starts in 3-10 s on a loaded 2-core machine; the page loads in milliseconds. */
const BROWSER_TIMEOUT_MS = 120_000;

const HOSTILE = '<script>alert("x")</script>&\'';

/** Runs headless Chromium on a page with no network, no sync, a fresh profile, and returns stdout. */
async function runChromium(profile: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/** The `<svg>` element of this id, as the browser serialized it, parsed as XML. */
function chartFrom(dom: string, id: string) {
  const m = new RegExp(`<svg\\b[^>]*\\bid="${id}"[\\s\\S]*?</svg>`).exec(dom);
  expect(m, `#${id} in the page`).not.toBeNull();
  expect(XMLValidator.validate(m![0])).toBe(true);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['g', 'circle', 'path', 'text', 'line'].includes(name),
  });
  return parser.parse(m![0]).svg;
}

type Series = { 'data-series': string; path: { d: string }[]; circle?: unknown[] };
const seriesOf = (svg: { g: { class: string }[] }) =>
  svg.g.filter((g) => g.class === 'series') as unknown as Series[];
const vertices = (d: string) =>
  [...d.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));

describe('html report — page content', () => {
  it('html report — escapes the five characters markup needs, and only those', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;',
    );
    expect(escapeHtml('bench:r1:µs → ok')).toBe('bench:r1:µs → ok');
    expect(escapeHtml(42)).toBe('42');
  });

  it('html report — escaping round-trips any text and leaves no markup character (property)', () => {
    const decodeEntities = (s: string) =>
      s
        .replaceAll('&lt;', '<')
        .replaceAll('&gt;', '>')
        .replaceAll('&quot;', '"')
        .replaceAll('&#39;', "'")
        .replaceAll('&amp;', '&');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 200 }),
          // Dense in markup and entity text, so escapes meet escapes.
          fc.string({
            unit: fc.constantFrom('<', '>', '&', '"', "'", ';', '#', 'amp', 'lt', '39', 'a'),
            maxLength: 60,
          }),
        ),
        (s) => {
          const e = escapeHtml(s);
          expect(e).not.toMatch(/[<>"']/);
          expect(decodeEntities(e)).toBe(s);
        },
      ),
    );
  });

  it('html report — user strings in the report never become markup (property)', () => {
    fc.assert(
      fc.property(reportArb, (report) => {
        const html = renderHtmlReport(report);
        expect(html).not.toMatch(/<script|<\/svg><b>|\son\w+=/i);
        expect(html.match(/<svg\b/g)).toHaveLength(2);
        expect(html).toContain(`id="${THROUGHPUT_CHART_ID}"`);
        expect(html).toContain(`id="${LATENCY_CHART_ID}"`);
      }),
      { numRuns: 150 },
    );
  });

  it('html report — a hostile key prefix, file name, node and problem show as text', () => {
    const base = sampleReport();
    const html = renderHtmlReport(
      sampleReport({
        settings: { ...base.settings, keyPrefix: HOSTILE, sampleFile: HOSTILE, shape: 'file' },
        redis: [{ ...base.redis[0], node: HOSTILE }],
        verify: { ok: false, checked: 3, problems: [HOSTILE] },
      }),
    );
    expect(html).not.toContain('<script');
    expect(html.split(escapeHtml(HOSTILE)).length - 1).toBe(4);
  });

  it('html report — self-contained: nothing to fetch, no script, a policy that forbids both', () => {
    const html = renderHtmlReport(sampleReport());
    expect(html).not.toMatch(/\b(src|href)=|@import|url\(/i);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(
      `content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; img-src data:"`,
    );
    // The SVG namespace is an identifier, never fetched: the only URL on the page.
    expect(html.match(/https?:\/\/[^"\s]+/g) ?? []).toEqual(Array(2).fill('http://www.w3.org/2000/svg'));
  });

  it('html report — tables of settings, percentiles, CPU, Redis per node, errors and verify', () => {
    const html = renderHtmlReport(
      sampleReport({
        errors: { ERR_REPLY: 3, ERR_TIMEOUT: 1 },
        verify: { ok: false, checked: 7, problems: ['k1 missing'] },
      }),
    );
    for (const id of ['summary', 'settings', 'latency', 'redis', 'errors', 'verify']) {
      expect(html).toContain(`<h2 id="${id}">`);
    }
    for (const label of [
      'p50',
      'p90',
      'p99',
      'p99.9',
      'max',
      'client CPU per row',
      'key prefix',
      'batch size',
    ]) {
      expect(html).toContain(`<th scope="row">${label}</th>`);
    }
    expect(html).toContain('<td>3.20 µs</td>');
    expect(html).toContain('<code>127.0.0.1:6380</code>');
    expect(html).toContain('<tr><td><code>ERR_REPLY</code></td><td class="num">3</td></tr>');
    expect(html).toContain('<span class="bad">FAILED</span>: 7 checked.');
    expect(html).toContain('<li>k1 missing</li>');
    expect(renderHtmlReport(sampleReport({ verify: null }))).toContain(
      '<h2 id="verify">Verify</h2>\n<p>Not run.</p>',
    );
  });
});

describe('html report — in headless Chromium', () => {
  let dir = '';
  let page = '';
  const base = sampleReport();
  const report = sampleReport({ settings: { ...base.settings, keyPrefix: HOSTILE } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'laminar-html-report-'));
    page = join(dir, 'report.html');
    await writeFile(page, renderHtmlReport(report));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(skipBrowser)(
    `html report — Chromium loads the page and builds both charts with every point (needs ${CHROMIUM}: apt-get install chromium)`,
    async () => {
      const dom = await runChromium(join(dir, 'profile-dom'), ['--dump-dom', pathToFileURL(page).href]);
      expect(dom).toContain('<h1>laminar-redis bench: list run r1a2b3</h1>');
      // The browser parsed the key prefix as text: no script element came of it.
      expect(dom).not.toContain('<script');
      // (In text, a browser's serializer escapes only & < > and no-break spaces.)
      expect(dom).toContain('&lt;script&gt;alert("x")&lt;/script&gt;&amp;\'');

      const throughput = chartFrom(dom, THROUGHPUT_CHART_ID);
      const [rows] = seriesOf(throughput);
      expect(rows['data-series']).toBe('rows/s');
      const line = vertices(rows.path[0].d);
      expect(line).toHaveLength(report.intervals.length);
      expect(rows.circle).toHaveLength(report.intervals.length);
      for (let i = 1; i < line.length; i++) expect(line[i].x).toBeGreaterThan(line[i - 1].x);
      const labels = (svg: { text: { class: string; '#text': string }[] }) =>
        svg.text.filter((t) => t.class.startsWith('axis-label')).map((t) => t['#text']);
      expect(labels(throughput)).toEqual(['time since start (s)', 'rows acknowledged per second']);

      const latency = chartFrom(dom, LATENCY_CHART_ID);
      expect(seriesOf(latency).map((s) => s['data-series'])).toEqual(['p50', 'p99']);
      for (const s of seriesOf(latency)) expect(vertices(s.path[0].d)).toHaveLength(report.intervals.length);
      expect(labels(latency)).toEqual(['time since start (s)', 'latency (ms)']);
      // p99 is above p50 in every interval of the sample, so its line is drawn higher (smaller y).
      const [p50, p99] = seriesOf(latency).map((s) => vertices(s.path[0].d));
      for (let i = 0; i < p50.length; i++) expect(p99[i].y).toBeLessThan(p50[i].y);
    },
    BROWSER_TIMEOUT_MS,
  );

  it.skipIf(skipBrowser)(
    `html report — Chromium screenshots the page with both charts drawn (needs ${CHROMIUM}: apt-get install chromium)`,
    async () => {
      const png = join(dir, 'report.png');
      await runChromium(join(dir, 'profile-png'), [
        '--hide-scrollbars',
        '--window-size=1000,1100',
        `--screenshot=${png}`,
        pathToFileURL(page).href,
      ]);
      expect((await stat(png)).size).toBeGreaterThan(1000);
      const image = decode(await readFile(png));
      expect([image.width, image.height]).toEqual([1000, 1100]);
      // The lines' own colours are on screen: the throughput line and the p99 line were painted.
      const seen = new Set<string>();
      const step = image.channels;
      for (let i = 0; i + 2 < image.data.length; i += step) {
        seen.add(`${image.data[i]},${image.data[i + 1]},${image.data[i + 2]}`);
      }
      expect(seen.has('11,114,133'), 'throughput line #0b7285').toBe(true);
      expect(seen.has('232,89,12'), 'p99 line #e8590c').toBe(true);
    },
    BROWSER_TIMEOUT_MS,
  );
});
