import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type APIRequestContext, type Browser, type BrowserContext } from '@playwright/test';
import { buildReport } from '../../src/core/privacy/report.js';
import { seededRandom, type Rng } from '../../src/core/privacy/random.js';
import type { Manifest, Report } from '../../src/core/schema.js';
import { startServer } from '../../src/server/runtime/start.js';
import type { RunningServer } from '../../src/server/runtime/start.js';

// The accessibility suite's own server (in this process, the built SDK and the demo as `npm start`
// serves them), with reports for the live period and the one before it, so the estimates page and
// the refinement page draw their charts and tables with data rather than their empty states.
const TOKEN = 'e2e-a11y-token';
const DAY = 86_400_000;

export type A11yServer = {
  server: RunningServer;
  manifest: Manifest;
  /** an analyst account's password (the owner signs in with the admin token) */
  analystPassword: string;
  close(): Promise<void>;
};

/** The demo site's published manifest (its JWS payload). */
async function manifestOf(request: APIRequestContext, url: string): Promise<Manifest> {
  const jws = await (await request.get(`${url}/v1/sites/lingua-kids/manifest`)).text();
  return JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as Manifest;
}

/**
 * Reports built by the SDK's own builder: `n` learners of `segment` (pace, in clear) in `period`, with a
 * random mastery segment (through LDP) and random features drawn from `rng`.
 */
export function paceReports(
  manifest: Manifest,
  n: number,
  period: number,
  segment: string,
  rng: Rng,
): Report[] {
  const pace = manifest.models.find((m) => m.id === 'pace')!;
  const mastery = manifest.models.find((m) => m.id === 'mastery')!;
  return Array.from({ length: n }, () => {
    const index = rng.int(mastery.segments.length);
    return buildReport({
      site: 'lingua-kids',
      manifestVersion: manifest.version,
      period,
      assignments: [
        { model: 'pace', index: 0, k: pace.segments.length, segmentId: segment, channel: 'clear' },
        {
          model: 'mastery',
          index,
          k: mastery.segments.length,
          segmentId: mastery.segments[index]!.id,
          channel: 'ldp',
        },
      ],
      features: manifest.features.map(() => 2 * rng.real() - 1),
      reporting: manifest.reporting,
      rng,
    })!;
  });
}

/** Starts the server, seeds reports and an analyst account. */
export async function startA11yServer(request: APIRequestContext): Promise<A11yServer> {
  const dir = mkdtempSync(join(tmpdir(), 'edseg-e2e-a11y-'));
  const server = await startServer({ port: 0, dataDir: join(dir, 'data'), adminToken: TOKEN });
  const manifest = await manifestOf(request, server.url);
  const pd = manifest.reporting.periodDays;
  const live = Math.floor(Date.now() / DAY / pd) * pd;
  const all = [
    ...paceReports(manifest, 150, live - pd, 'steady-learner', seededRandom(1)),
    ...paceReports(manifest, 60, live - pd, 'drifting', seededRandom(2)),
    ...paceReports(manifest, 100, live, 'steady-learner', seededRandom(3)),
    ...paceReports(manifest, 80, live, 'sprinter', seededRandom(4)),
    ...paceReports(manifest, 60, live, 'drifting', seededRandom(5)),
  ];
  for (let i = 0; i < all.length; i += 100) {
    const res = await request.post(`${server.url}/v1/reports`, { data: { reports: all.slice(i, i + 100) } });
    expect(res.status()).toBe(202);
  }
  const created = await request.post(`${server.url}/admin/api/accounts`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
    data: { name: 'ana', role: 'analyst' },
  });
  expect(created.status()).toBe(201);
  const { password } = (await created.json()) as { password: string };
  return {
    server,
    manifest,
    analystPassword: password,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Role = 'owner' | 'analyst';

/** A browser context signed in to the console as `role` (through its login form's POST, with the server's Origin). */
export async function signedIn(
  browser: Browser,
  s: A11yServer,
  role: Role,
  viewport: { width: number; height: number },
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, baseURL: s.server.url });
  const form: Record<string, string> =
    role === 'owner' ? { name: 'owner', token: TOKEN } : { name: 'ana', password: s.analystPassword };
  const login = await context.request.post('/admin/login', {
    form,
    headers: { Origin: new URL(s.server.url).origin },
    maxRedirects: 0,
  });
  expect(login.status(), `log in as ${role}`).toBe(303);
  return context;
}

export const ADMIN_TOKEN = TOKEN;
