// The browser test of the dashboards (issue #18): Debian's Chromium, driven by playwright-core,
// loads every page of `marsad serve` (started on a fresh data directory, which loads the samples)
// and of the static site (`marsad dashboards export`, opened over file://), in French, Arabic and
// English. It follows every same-site page link from /fr/, /ar/ and /en/ and checks on each page:
// no console error, no uncaught page error, no failed request (network error or HTTP 4xx/5xx);
// each chart (`svg[role=img]`) has a title, a description, `direction: ltr`, and its data table;
// /ar pages are `dir="rtl"` and each page's <html lang> is its language; no cell marked
// `data-suppressed` reads 0. Selection forms are submitted once with other choices. Download
// links (CSV, Parquet, JSON…) are fetched, not rendered. A full-page screenshot of each page
// goes under target/browser-screenshots/. Prints one line per failure (page and reason) and a
// summary; exits 1 on any failure, 2 when it cannot run.
//
//   node tests/browser/pages.mjs            (after `cargo build`; .ci/run runs it after cargo test)
//   MARSAD_BIN=path/to/marsad CHROMIUM=/usr/bin/chromium MAX_PAGES=1000 node tests/browser/pages.mjs
//   node tests/browser/pages.mjs --site DIR  (only a static site already written, e.g. an export;
//                                             selftest.mjs runs it on fixture/, defects included)

import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, mkdirSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(ROOT, 'target');
const BIN = process.env.MARSAD_BIN || join(TARGET, 'debug', 'marsad');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.BROWSER_SCREENSHOTS || join(ROOT, 'target', 'browser-screenshots');
const MAX_PAGES = Number(process.env.MAX_PAGES || 1000);
const LANGS = ['fr', 'ar', 'en'];
// The flags that work on this kind of machine (root, no GPU, closed network): without the
// background-networking ones Chromium's own connections are refused, and would read as failures.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
// A link to one of these is a download: fetched and checked, never rendered as a page.
const DOWNLOAD = /\.(csv|parquet|json|zip|svg|png|xml|txt|geojson)$/i;
// A number that is zero in any of the three locales (0, 0,0, 0.00, ٠, with a % or spaces).
const ZERO = /^[\s\u00a0\u202f\u200e\u200f\u061c]*[0\u0660]+([.,][0\u0660]+)?[\s\u00a0\u202f%\u066a]*$/;
const LOAD_TIMEOUT_MS = 60_000;
const SERVER_START_TIMEOUT_MS = 600_000;

const failures = [];
// Everything checked (pages, downloads, the server's stop, the export), by label.
const checked = new Set();
let pagesChecked = 0;
let downloadsChecked = 0;
let chartsChecked = 0;
let suppressedChecked = 0;

function fail(page, reason) {
  failures.push({ page, reason });
  checked.add(page);
  console.log(`FAIL ${page}: ${reason}`);
}

function die(reason) {
  console.error(`browser test cannot run: ${reason}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// The server: `marsad serve` on a fresh data directory and free ports; its address is read from
// the `health:` line it prints once the samples are loaded. Its stdout and stderr are read until
// it exits (a closed pipe would end it).

function startServer(dataDir) {
  const env = { ...process.env, MARSAD_PSEUDONYM_KEY: process.env.MARSAD_PSEUDONYM_KEY || 'browser-test-key-0123456789' };
  delete env.MARSAD_DATA_DIR;
  delete env.MARSAD_LISTEN;
  const child = spawn(BIN, ['--data-dir', dataDir, 'serve', '--listen', '127.0.0.1:0', '--pg-listen', '127.0.0.1:0'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  const keep = (line) => { output.push(line); if (output.length > 200) output.shift(); };
  createInterface({ input: child.stderr }).on('line', keep);
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  const address = new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no address printed within ${SERVER_START_TIMEOUT_MS / 1000} s; output:\n${output.join('\n')}`)), SERVER_START_TIMEOUT_MS);
    lines.on('line', (line) => {
      keep(line);
      const m = line.trim().match(/^health:\s*(http:\/\/\S+?)\/healthz$/);
      if (m) { clearTimeout(timer); res(m[1]); }
    });
    child.on('error', (e) => { clearTimeout(timer); rej(new Error(`cannot start ${BIN}: ${e.message}`)); });
    exited.then(({ code, signal }) => { clearTimeout(timer); rej(new Error(`marsad serve exited (${code ?? signal}) before printing its address; output:\n${output.join('\n')}`)); });
  });
  return { child, address, exited, output };
}

async function stopServer(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return server.exited;
  server.child.kill('SIGTERM');
  const timeout = new Promise((res) => setTimeout(() => res(null), 60_000));
  const status = await Promise.race([server.exited, timeout]);
  if (status === null) {
    server.child.kill('SIGKILL');
    return { code: null, signal: 'SIGKILL (no exit within 60 s of SIGTERM)' };
  }
  return status;
}

// ---------------------------------------------------------------------------------------------
// A site: where its pages are, which links belong to it, and how a download is checked.

function serverSite(base) {
  const origin = new URL(base).origin;
  return {
    name: 'server',
    starts: LANGS.map((l) => `${base}/${l}/`),
    label: (url) => { const u = new URL(url); return u.pathname + u.search; },
    owns: (u) => u.origin === origin,
    checkDownload: async (url) => {
      const res = await fetch(url);
      await res.arrayBuffer();
      return res.ok ? null : `HTTP ${res.status}`;
    },
  };
}

function staticSite(dir) {
  const root = pathToFileURL(dir + sep).href;
  // The entry page of each language: {lang}/index.html, as a static web server would serve /{lang}/.
  const starts = LANGS.map((l) => pathToFileURL(join(dir, l, 'index.html')).href);
  return {
    name: 'static',
    starts,
    label: (url) => url.slice(root.length - 1),
    owns: (u) => u.protocol === 'file:' && u.href.startsWith(root),
    checkDownload: async (url) => {
      const path = fileURLToPath(url);
      return existsSync(path) && statSync(path).isFile() ? null : 'file not found';
    },
  };
}

// The page language of a URL: its first path segment under the site (fr, ar or en), if any.
function langOf(site, url) {
  const seg = site.label(url).split('/').filter(Boolean)[0];
  return LANGS.includes(seg) ? seg : null;
}

function screenshotPath(site, url) {
  const slug = site.label(url).replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/_+$/, '') || 'index';
  return join(SHOTS, site.name, `${slug}.png`);
}

// ---------------------------------------------------------------------------------------------
// What is checked inside a loaded page (runs in the browser).

function inspectPage() {
  const problems = [];
  const charts = [...document.querySelectorAll('svg[role="img"]')];
  const tables = [...document.querySelectorAll('table')];
  const after = (a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  charts.forEach((svg, i) => {
    const name = svg.querySelector('title')?.id || svg.id || `chart ${i + 1}`;
    const title = svg.querySelector(':scope > title')?.textContent.trim();
    const desc = svg.querySelector(':scope > desc')?.textContent.trim();
    if (!title) problems.push(`${name}: chart without a <title>`);
    if (!desc) problems.push(`${name}: chart without a <desc>`);
    if (getComputedStyle(svg).direction !== 'ltr') problems.push(`${name}: chart direction is ${getComputedStyle(svg).direction}, not ltr`);
    // Its table: one named by aria-describedby/aria-details, else the first table after the
    // chart and before the next chart, else a table in the same <figure>.
    const refs = `${svg.getAttribute('aria-describedby') || ''} ${svg.getAttribute('aria-details') || ''}`
      .split(/\s+/).filter(Boolean).map((id) => document.getElementById(id)).filter(Boolean);
    const referenced = refs.some((el) => el.matches('table') || el.querySelector('table'));
    const next = charts[i + 1];
    const following = tables.some((t) => after(svg, t) && (!next || after(t, next)));
    const figure = svg.closest('figure');
    const inFigure = figure && figure.querySelector('table');
    if (!referenced && !following && !inFigure) problems.push(`${name}: chart without its data table`);
    else {
      const table = refs.find((el) => el.matches('table')) || tables.find((t) => after(svg, t) && (!next || after(t, next))) || inFigure;
      if (table && table.querySelectorAll('td, th').length === 0) problems.push(`${name}: its data table is empty`);
    }
  });
  const suppressed = document.querySelectorAll('[data-suppressed]');
  for (const el of suppressed) {
    if (el.getAttribute('data-suppressed') === 'false') continue;
    const text = el.textContent;
    if (ZERO_SOURCE.test(text)) problems.push(`a cell marked suppressed reads "${text.trim()}"`);
  }
  const links = [...document.querySelectorAll('a[href]')].map((a) => a.href);
  // A selection form (GET) is a link too: submitted once with other choices than the page's
  // (the last option of each list; for `from`, the second year), so a selected view is checked.
  for (const form of document.querySelectorAll('form')) {
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'get') continue;
    const data = new FormData(form);
    for (const sel of form.querySelectorAll('select[name]')) {
      const values = [...sel.options].map((o) => o.value).filter(Boolean);
      if (values.length) data.set(sel.name, values[sel.name === 'from' ? Math.min(1, values.length - 1) : values.length - 1]);
    }
    const url = new URL(form.action || location.href);
    url.search = new URLSearchParams(data).toString();
    links.push(url.href);
  }
  return { problems, links, dir: document.documentElement.getAttribute('dir'), lang: document.documentElement.getAttribute('lang'), charts: charts.length, suppressed: suppressed.length };
}

// ---------------------------------------------------------------------------------------------
// The crawl: two tabs at a time (two cores), each page loaded in a fresh tab that records its
// console errors, page errors and failed requests.

async function crawl(browser, site) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const seen = new Set(site.starts);
  const linkedFrom = new Map();
  const queue = [...site.starts];
  const downloads = new Set();
  const pages = [];
  let overflow = 0;

  const enqueue = (from, href) => {
    let u;
    try { u = new URL(href, from); } catch { fail(site.label(from), `unparsable link ${href}`); return; }
    if (!site.owns(u)) return;
    u.hash = '';
    const url = u.href;
    if (DOWNLOAD.test(u.pathname)) {
      if (!linkedFrom.has(url)) linkedFrom.set(url, site.label(from));
      downloads.add(url);
      return;
    }
    // From file:// a link to a folder opens a directory listing, not the page.
    if (u.protocol === 'file:' && u.pathname.endsWith('/')) {
      fail(`${site.name} ${site.label(from)}`, `link to a folder (${site.label(url)}): from file:// it shows a directory listing, not a page`);
      return;
    }
    if (seen.has(url)) return;
    if (seen.size >= MAX_PAGES) { overflow++; return; }
    seen.add(url);
    linkedFrom.set(url, site.label(from));
    queue.push(url);
  };

  async function visit(url) {
    const label = `${site.name} ${site.label(url)}`;
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') fail(label, `console error: ${msg.text()}${msg.location()?.url ? ` (${msg.location().url})` : ''}`);
    });
    page.on('pageerror', (err) => fail(label, `page error: ${err.message}`));
    page.on('requestfailed', (req) => fail(label, `request failed: ${req.url()} (${req.failure()?.errorText})`));
    page.on('response', (res) => { if (res.status() >= 400) fail(label, `HTTP ${res.status()} for ${res.url()}`); });
    try {
      const res = await page.goto(url, { waitUntil: 'load', timeout: LOAD_TIMEOUT_MS });
      if (!res) fail(label, 'no response');
      // A link without a download's extension can still lead to one (CSV from an API path):
      // checked as a download, not as a page.
      const type = res?.headers()['content-type'] || '';
      if (site.name === 'server' ? !type.startsWith('text/html') : !/\.html?$/i.test(new URL(url).pathname)) {
        downloads.add(url);
        return;
      }
      const found = await page.evaluate(`(${inspectPage.toString().replace('ZERO_SOURCE', () => ZERO.toString())})()`);
      found.problems.forEach((p) => fail(label, p));
      chartsChecked += found.charts;
      suppressedChecked += found.suppressed;
      const lang = langOf(site, url);
      if (lang && !(found.lang || '').toLowerCase().startsWith(lang)) fail(label, `<html lang="${found.lang}"> on a /${lang}/ page`);
      if (lang === 'ar' && found.dir !== 'rtl') fail(label, `<html dir="${found.dir}"> on an Arabic page (rtl expected)`);
      if (lang && lang !== 'ar' && found.dir === 'rtl') fail(label, `<html dir="rtl"> on a /${lang}/ page`);
      found.links.forEach((href) => enqueue(url, href));
      const shot = screenshotPath(site, url);
      mkdirSync(dirname(shot), { recursive: true });
      await page.screenshot({ path: shot, fullPage: true });
    } catch (e) {
      // Playwright refuses to navigate to an attachment: a download too.
      if (/Download is starting/.test(e.message)) { downloads.add(url); return; }
      const from = linkedFrom.get(url);
      fail(label, `could not be checked${from ? ` (linked from ${from})` : ''}: ${e.message.split('\n')[0]}`);
    } finally {
      await page.close();
    }
    pages.push(label);
  }

  // Two pages at a time; done when the queue is empty and no page is still loading (a page in
  // progress may add links).
  await new Promise((done) => {
    let active = 0;
    const pump = () => {
      while (active < 2 && queue.length) {
        active++;
        visit(queue.shift()).finally(() => { active--; pump(); });
      }
      if (active === 0 && queue.length === 0) done();
    };
    pump();
  });

  for (const url of [...downloads].sort()) {
    const label = `${site.name} ${site.label(url)}`;
    checked.add(label);
    downloadsChecked++;
    const reason = await site.checkDownload(url).catch((e) => e.message);
    if (reason) fail(label, `download (linked from ${linkedFrom.get(url)}): ${reason}`);
  }
  if (overflow) fail(site.name, `${overflow} links not visited: more than MAX_PAGES=${MAX_PAGES} pages`);
  await context.close();
  pages.forEach((label) => checked.add(label));
  pagesChecked += pages.length;
  console.log(`${site.name}: ${pages.length} pages, ${downloads.size} downloads checked`);
}

// ---------------------------------------------------------------------------------------------

// Only the static site in `dir`, without a server or an export.
async function checkSiteOnly(dir) {
  if (!existsSync(CHROMIUM)) die(`${CHROMIUM} not found (run .ci/install-browser-tools)`);
  rmSync(SHOTS, { recursive: true, force: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    await crawl(browser, staticSite(resolve(dir)));
  } finally {
    await browser.close();
  }
}

async function main() {
  const at = process.argv.indexOf('--site');
  if (at > 0) {
    if (!process.argv[at + 1]) die('--site needs a directory');
    await checkSiteOnly(process.argv[at + 1]);
    return summary();
  }
  if (!existsSync(BIN)) die(`${BIN} not found (build it with cargo build, or set MARSAD_BIN)`);
  if (!existsSync(CHROMIUM)) die(`${CHROMIUM} not found (run .ci/install-browser-tools)`);
  rmSync(SHOTS, { recursive: true, force: true });
  const work = mkdtempSync(join(tmpdir(), 'marsad-browser-'));
  const dataDir = join(work, 'data');
  const exportDir = join(work, 'site');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const server = startServer(dataDir);
    let base;
    try {
      base = await server.address;
    } catch (e) {
      await stopServer(server);
      die(e.message);
    }
    console.log(`marsad serve at ${base} (data dir ${dataDir})`);
    try {
      await crawl(browser, serverSite(base));
    } finally {
      const status = await stopServer(server);
      checked.add('server');
      if (status.code !== 0) fail('server', `marsad serve did not stop cleanly on SIGTERM (${status.code ?? status.signal}); last output:\n${server.output.slice(-20).join('\n')}`);
    }

    // The static site of the same warehouse, with no server running.
    checked.add('static');
    const exp = spawnSync(BIN, ['--data-dir', dataDir, 'dashboards', 'export', '--out', exportDir],
      { encoding: 'utf8', env: { ...process.env, MARSAD_PSEUDONYM_KEY: process.env.MARSAD_PSEUDONYM_KEY || 'browser-test-key-0123456789' } });
    if (exp.status !== 0) {
      fail('static', `marsad dashboards export failed (${exp.status ?? exp.signal}): ${(exp.stderr || exp.error?.message || '').trim()}`);
    } else {
      const site = staticSite(exportDir);
      const missing = site.starts.filter((u) => !existsSync(fileURLToPath(u)));
      missing.forEach((u) => fail('static', `no entry page ${site.label(u)}`));
      if (missing.length < site.starts.length) {
        site.starts = site.starts.filter((u) => !missing.includes(u));
        await crawl(browser, site);
      }
    }
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
  summary();
}

function summary() {
  console.log(`\nscreenshots: ${SHOTS}`);
  console.log(`pages checked: ${pagesChecked} (charts: ${chartsChecked}, suppressed cells: ${suppressedChecked}), downloads checked: ${downloadsChecked}, failures: ${failures.length}`);
  // One test per page, download, server stop and export; it fails with any failure of its own.
  const failed = new Set(failures.map((f) => f.page));
  console.log(`browser: ${checked.size - failed.size} passed, ${failed.size} failed`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => die(e.stack || e.message));
