/** The audit_log table: every admin action, appended, never changed. */
import type { AuditInput, AuditRecord } from '../../../core/schema.js';
import { json, type Db } from '../db.js';

export interface AuditStore {
  appendAudit(entry: AuditInput): Promise<number>;
  /** newest first */
  listAudit(opts?: { site?: string; limit?: number }): Promise<AuditRecord[]>;
}

export const auditSql = (db: Db): AuditStore => ({
  async appendAudit(e) {
    const [r] = await db.query<{ id: number }>(
      `insert into audit_log (at, actor, action, site, version, summary, detail)
       values ($1, $2, $3, $4, $5, $6, $7::jsonb) returning id`,
      [e.at, e.actor, e.action, e.site, e.version, e.summary, json(e.detail)],
    );
    return r!.id;
  },

  async listAudit(opts = {}) {
    return db.query<AuditRecord>(
      `select id, at, actor, action, site, version, summary, detail from audit_log
       where ($1::text is null or site = $1::text) order by id desc limit $2`,
      [opts.site ?? null, Math.min(Math.max(opts.limit ?? 200, 1), 1000)],
    );
  },
});
