/**
 * The console's markup for WCAG 2.1 AA (issue 20), as the server writes it; test/e2e/a11y.spec.ts runs
 * axe-core over every page in Chromium. Here: a skip link to the main content on every page, a page in
 * the console's layout (with a language and a title) for an /admin path no route takes, a label for
 * every control of the model editor's segment rows and of the refinement options, and every table in
 * a named, focusable region of its own that scrolls sideways on a phone (the page never does).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SEED_SITE as SITE, consoleSession, useServer } from './helpers.js';

const s = useServer();
const owner = consoleSession(s);
beforeAll(async () => {
  expect((await owner.login()).status).toBe(303);
});

/** The name attributes of the form controls (input, select, textarea) of a page that no label holds. */
function unlabelled(page: string): string[] {
  const inLabels = [...page.matchAll(/<label\b[\s\S]*?<\/label\s*>/g)].map((m) => m[0]).join('\n');
  const controls = [...page.matchAll(/<(input|select|textarea)\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => !/type="(hidden|submit)"/.test(tag));
  return controls
    .filter((tag) => !inLabels.includes(tag))
    .map((tag) => /name="([^"]*)"/.exec(tag)?.[1] ?? tag);
}

describe('the console for keyboards and screen readers', () => {
  it('opens every page with a skip link to the main content', async () => {
    for (const path of ['/admin', `/admin/sites/${SITE}`, '/admin/keys', '/admin/login']) {
      const page = await (await owner.get(path)).text();
      const body = page.slice(page.indexOf('<body>'));
      // the first link of the body, before the header's navigation
      expect(/<a\b[^>]*>[^<]*<\/a>/.exec(body)?.[0], path).toBe(
        '<a class="skip-link" href="#main">Skip to main content</a>',
      );
      expect(page, path).toContain('<main id="main" tabindex="-1">');
    }
  });

  it('answers an /admin path no route takes with a console page (language, title, CSP), not bare text', async () => {
    const res = await owner.get('/admin/no-such-page');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<title>Not found · edseg admin</title>');
    expect(page).toContain('<h1>No such page</h1>');
    // the JSON API keeps its JSON 404
    const api = await owner.get('/admin/api/no-such-thing');
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it("labels every control of the model editor, each segment row's too", async () => {
    for (const path of [`/admin/sites/${SITE}/models/pace`, `/admin/sites/${SITE}/new-model`]) {
      const page = await (await owner.get(path)).text();
      expect(page, path).toContain('name="segments.0.id"');
      expect(unlabelled(page), path).toEqual([]);
      expect(page, path).toContain('<span class="visually-hidden">Segment 1 id</span>');
      expect(page, path).toContain('<span class="visually-hidden">Segment 1 min age band</span>');
    }
  });

  it('labels the refinement options (max step, min support)', async () => {
    const page = await (await owner.get(`/admin/sites/${SITE}/refinement`)).text();
    expect(page).toContain('name="maxStep"');
    expect(unlabelled(page)).toEqual([]);
  });

  it('puts every table in a named, focusable region that scrolls it (WCAG 1.4.10 Reflow)', async () => {
    for (const path of ['/admin', `/admin/sites/${SITE}`, '/admin/keys', '/admin/audit', '/admin/accounts']) {
      const page = await (await owner.get(path)).text();
      const tables = page.match(/<table\b/g)?.length ?? 0;
      expect(tables, path).toBeGreaterThan(0);
      const wrapped = page.match(
        /<div class="table-scroll" role="region" aria-label="[^"]+" tabindex="0">\s*<table\b/g,
      );
      expect(wrapped?.length ?? 0, path).toBe(tables);
    }
  });
});
