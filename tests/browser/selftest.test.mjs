// The browser test's own test (node --test): pages.mjs, run on fixture/ (a small static site with
// known defects, one of each kind it must catch, and a selection form), reports exactly those failures and no others,
// and exits 1. A check that stopped working, or one that fired on a sound page, fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

test('pages.mjs reports each defect of the fixture site, and nothing on its sound pages', () => {
  const shots = mkdtempSync(join(tmpdir(), 'marsad-browser-selftest-'));
  try {
    const run = spawnSync(process.execPath, [join(here, 'pages.mjs'), '--site', join(here, 'fixture')],
      { encoding: 'utf8', env: { ...process.env, BROWSER_SCREENSHOTS: shots } });
    const fixture = pathToFileURL(join(here, 'fixture')).href;
    const reported = run.stdout.split('\n').filter((l) => l.startsWith('FAIL '))
      .map((l) => l.replaceAll(fixture, 'FIXTURE')).sort();
    assert.deepEqual(reported, [
      'FAIL static /ar/index.html: <html dir="null"> on an Arabic page (rtl expected)',
      'FAIL static /en/index.html: chart 1: chart direction is rtl, not ltr',
      'FAIL static /fr/absent.parquet: download (linked from /fr/bad.html): file not found',
      'FAIL static /fr/bad.html: a cell marked suppressed reads "0"',
      'FAIL static /fr/bad.html: c-title: chart without its data table',
      'FAIL static /fr/bad.html: console error: Failed to load resource: net::ERR_FILE_NOT_FOUND (FIXTURE/fr/missing.png)',
      'FAIL static /fr/bad.html: console error: fixture console error (FIXTURE/fr/bad.html)',
      'FAIL static /fr/bad.html: link to a folder (/en/): from file:// it shows a directory listing, not a page',
      'FAIL static /fr/bad.html: page error: fixture page error',
      'FAIL static /fr/bad.html: request failed: FIXTURE/fr/missing.png (net::ERR_FILE_NOT_FOUND)',
      'FAIL static /fr/missing.html: could not be checked (linked from /fr/bad.html): page.goto: net::ERR_FILE_NOT_FOUND at FIXTURE/fr/missing.html',
      'FAIL static /fr/missing.html: request failed: FIXTURE/fr/missing.html (net::ERR_FILE_NOT_FOUND)',
    ], run.stdout + run.stderr);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^static: 6 pages, 2 downloads checked$/m);
    assert.match(run.stdout, /^browser: 3 passed, 5 failed$/m);
    // One screenshot per page that loaded.
    assert.deepEqual(readdirSync(join(shots, 'static')).sort(),
      ['ar_index.html.png', 'en_index.html.png', 'fr_bad.html.png', 'fr_index.html.png',
        'fr_index.html_from_2023.png']);
  } finally {
    rmSync(shots, { recursive: true, force: true });
  }
});
