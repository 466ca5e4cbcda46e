import type { KeyList, KeysRotated } from '../../../core/schema.js';
import type { AdminCommand, CommandContext } from '../command.js';
import { positional } from '../command.js';

const printKeys = (ctx: CommandContext, keys: KeyList['keys']) => {
  for (const k of keys)
    ctx.out(
      `${k.kid}  ${k.current ? 'signs now' : 'old'}  created ${k.createdAt}  live: ${k.liveVersions.map((v) => `${v.site} v${v.version}`).join(', ') || 'none'}  valid until ${k.validUntil ?? 'signed nothing'}`,
    );
};

export const keysList: AdminCommand = {
  name: 'keys list',
  summary: 'list the signing keys and the live versions each signed',
  usage: '[--json]',
  help: `  --json  the server's answer as one object: { keys: [{ kid, createdAt, current, liveVersions, validUntil }] }`,
  options: { json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const body = await ctx.api.get<KeyList>('/keys');
    if (ctx.values['json']) {
      ctx.out(JSON.stringify(body));
      return;
    }
    printKeys(ctx, body.keys);
  },
};

export const keysRotate: AdminCommand = {
  name: 'keys rotate',
  summary: 'make a new signing key and re-sign every published site with it',
  usage: '[--json]',
  help: `The new key signs from now on; the old one stays in /v1/keys until "edseg-admin keys retire KID",
which is refused until the manifests it signed have expired (keys list: "valid until").
Embedders should pin both (see packages/server/README.md "Your own site"). Needs an owner.

  --json  the server's answer as one object: { kid, keys, republished }`,
  options: { json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const body = await ctx.api.post<KeysRotated>('/keys/rotate', {});
    if (ctx.values['json']) {
      ctx.out(JSON.stringify(body));
      return;
    }
    ctx.out(`new signing key ${body.kid}`);
    ctx.out(
      `re-signed: ${body.republished.map((r) => `${r.site} v${r.version}`).join(', ') || 'nothing published yet'}`,
    );
    ctx.out(
      'next: pin the new key (/v1/keys) in every embedding page; retire the old one once "keys list" says its manifests expired',
    );
  },
};

export const keysRetire: AdminCommand = {
  name: 'keys retire',
  summary: 'remove an old signing key from /v1/keys once no manifest it signed can be valid',
  usage: 'KID [--json]',
  help: `Refused (409) for the key that signs now, while a live version (the current, unexpired version
of an enabled site) is signed by KID (naming them), and until the latest expiresAt among every
version KID signed (naming that date): a device may hold such a manifest until then. The roll-out:
rotate, pin the new key (/v1/keys) in every page that embeds the SDK, then retire. Needs an owner.

  --json  the server's answer as one object: { keys, retired }`,
  options: { json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const kid = positional(ctx, 'the key id KID (edseg-admin keys list)');
    const body = await ctx.api.post<KeyList>(`/keys/${encodeURIComponent(kid)}/retire`, {});
    if (ctx.values['json']) {
      ctx.out(JSON.stringify(body));
      return;
    }
    ctx.out(`retired ${kid}; keys left:`);
    printKeys(ctx, body.keys);
  },
};
