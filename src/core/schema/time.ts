/** Day and period helpers: day numbers (days since 1970-01-01 UTC) and reporting periods. */

export const DAY_MS = 86_400_000;
/** Days since 1970-01-01 UTC. */
export const dayOf = (ts: number): number => Math.floor(ts / DAY_MS);
/** The first day of the reporting period that `day` falls in. */
export const periodOf = (day: number, periodDays: number): number =>
  Math.floor(day / periodDays) * periodDays;
