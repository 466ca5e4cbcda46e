/**
 * The schema, as an append-only list of versioned migrations, in the one SQL dialect both
 * back ends run (PGlite is PostgreSQL compiled to WASM). Never edit an applied migration:
 * add the next one.
 *
 * Choices that keep the two drivers interchangeable: times are ISO-8601 UTC text (lexically
 * ordered, parsed the same by both), ids are `integer` (pg returns int8 as a string), and
 * documents are jsonb passed as JSON text with an explicit ::jsonb cast.
 */
export type Migration = { version: number; name: string; sql: string };

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sites, versions, keys, reports, audit',
    sql: `
      create table sites (
        id          text primary key,
        name        text not null,
        origins     jsonb not null,
        -- the working definition an admin edits: features, models (with each segment's
        -- documentation), reporting and retention; published into a manifest with the policy
        definition  jsonb not null,
        policy      jsonb not null,
        created_at  text not null,
        updated_at  text not null
      );

      create table site_versions (
        site          text not null references sites(id),
        version       integer not null,
        manifest      jsonb not null,
        jws           text not null,
        kid           text not null,
        published_at  text not null,
        published_by  text not null,
        primary key (site, version)
      );

      create table signing_keys (
        kid          text primary key,
        created_at   text not null,
        public_jwk   jsonb not null,
        private_jwk  jsonb not null
      );

      -- Exactly the report fields (PRIVACY.md), plus the day it arrived. No IP address, no user
      -- agent, no header: the collector has no column to put them in.
      create table reports (
        id                text primary key,
        site              text not null,
        manifest_version  integer not null,
        period            integer not null,
        received_day      integer not null,
        report            jsonb not null
      );
      create index reports_site_version on reports (site, manifest_version);
      create index reports_period on reports (site, period);

      create table audit_log (
        id       integer generated always as identity primary key,
        at       text not null,
        actor    text not null,
        action   text not null,
        site     text,
        version  integer,
        summary  text not null,
        detail   jsonb not null
      );
      create index audit_log_site on audit_log (site, id);
    `,
  },
  {
    version: 2,
    name: 'accounts with roles, disabled sites',
    sql: `
      -- Named admin accounts. The password is kept as its scrypt hash with the parameters and salt
      -- (scrypt$N$r$p$salt$hash), the API token as its SHA-256: neither can be read back.
      create table accounts (
        name           text primary key,
        role           text not null check (role in ('owner', 'editor', 'analyst')),
        password_hash  text not null,
        token_hash     text not null unique,
        created_at     text not null,
        created_by     text not null
      );

      -- A disabled site serves no manifest and takes no report; its versions and reports stay.
      alter table sites add column disabled_at text;
    `,
  },
];
