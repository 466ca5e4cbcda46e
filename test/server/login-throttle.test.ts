/**
 * Issue 19 point 9: wrong logins count per (client address, account name), with a ceiling per name
 * from every address together. On main, 20 wrong logins from one address locked every account's
 * correct login out from that address.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, parseRateLimits } from '../../src/server/http/guard.js';
import { ORIGIN, addAccount, appOf, form, useServer } from './helpers.js';

const s = useServer();
const accounts = {} as Record<'ann' | 'bob', { name: string; password: string }>;
beforeAll(async () => {
  accounts.ann = await addAccount(s, 'ann', 'analyst');
  accounts.bob = await addAccount(s, 'bob', 'analyst');
});

const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });
const loginOn =
  (app: ReturnType<typeof appOf>) =>
  (address: string, name: string, password: string): Promise<Response> =>
    Promise.resolve(
      app.request(
        '/admin/login',
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...ORIGIN },
          body: form({ name, password }),
        },
        from(address),
      ),
    );

describe('wrong-login throttling', () => {
  it('the default: 20 wrong logins for one account from one address leave every other account able to sign in from it', async () => {
    const login = loginOn(appOf(s));
    for (let i = 0; i < DEFAULT_RATE_LIMITS.wrongLogins; i++)
      expect((await login('192.0.2.10', 'ann', 'wrong password')).status).toBe(401);
    expect((await login('192.0.2.10', 'bob', accounts.bob.password)).status).toBe(303);
    // ann herself waits from that address, with Retry-After, even with her right password...
    const locked = await login('192.0.2.10', 'ann', accounts.ann.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // ...but not from another address; the name is counted as accounts are looked up.
    expect((await login('192.0.2.11', 'ann', accounts.ann.password)).status).toBe(303);
    expect((await login('192.0.2.10', ' ANN ', accounts.ann.password)).status).toBe(429);
  });

  it('has a ceiling per name from every address together', async () => {
    const app = appOf(s, { rateLimits: { wrongLogins: 3, wrongLoginsPerName: 5 } });
    const login = loginOn(app);
    for (let i = 0; i < 5; i++) expect((await login(`198.51.100.${i}`, 'bob', 'nope')).status).toBe(401);
    expect((await login('198.51.100.99', 'bob', accounts.bob.password)).status).toBe(429);
    expect((await login('198.51.100.99', 'ann', accounts.ann.password)).status).toBe(303);
  });

  it('takes wrongLoginsPerName in --rate-limit', () => {
    expect(parseRateLimits('wrongLoginsPerName=7')).toEqual({ wrongLoginsPerName: 7 });
  });
});
