/**
 * Reading a learner table for fit and train: a CSV with a header, one row per learner, parsed by
 * csv-parse. Every failure is one line naming the file, the row (the file's line number, the header
 * is row 1) and the column, so the user can fix the cell.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { CliError } from '../admin-cli/command.js';

export type Table = { file: string; header: string[]; rows: string[][] };

/** The CSV `file` (its text in `text` if given), header and rows; a ragged row is an error naming it. */
export function readTable(file: string, text?: string): Table {
  let body: string;
  try {
    body = text ?? readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let records: string[][];
  try {
    records = parse(body, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
    }) as string[][];
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new CliError(`${file}${err.lines ? ` row ${err.lines}` : ''}: ${err.message.split('\n')[0]}`);
  }
  const [header, ...rows] = records;
  if (!header || header.length === 0) throw new CliError(`${file}: empty file (a header row is needed)`);
  return { file, header, rows };
}

/** The column index of `name`, or a CliError naming it and the columns there are. */
export function columnIndex(t: Table, name: string, what = 'column'): number {
  const i = t.header.indexOf(name);
  if (i < 0) throw new CliError(`${t.file}: no ${what} "${name}" (columns: ${t.header.join(', ')})`);
  return i;
}

/** The numeric matrix of `columns` (each row's cells as finite numbers), naming the first bad cell. */
export function numericColumns(t: Table, columns: readonly string[]): number[][] {
  const at = columns.map((c) => columnIndex(t, c));
  return t.rows.map((row, r) =>
    at.map((i, j) => {
      const cell = row[i] ?? '';
      const x = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(x))
        throw new CliError(`${t.file} row ${r + 2}, column "${columns[j]}": "${cell}" is not a number`);
      return x;
    }),
  );
}

/** The id column: --id-column, else a column named id or learner if there is one, else none. */
export function idColumnOf(t: Table, given: string | undefined): string | undefined {
  if (given !== undefined) {
    columnIndex(t, given, 'id column');
    return given;
  }
  return t.header.find((h) => h === 'id' || h === 'learner');
}

/** The feature columns: --features a,b,... (each must exist), else every column but `exclude`. */
export function featureColumnsOf(
  t: Table,
  given: string | undefined,
  exclude: readonly (string | undefined)[],
): string[] {
  if (given !== undefined) {
    const names = given
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (names.length === 0) throw new CliError('--features needs at least one column name');
    for (const n of names) columnIndex(t, n, 'feature column');
    return names;
  }
  const names = t.header.filter((h) => !exclude.includes(h));
  if (names.length === 0) throw new CliError(`${t.file}: no feature columns left`);
  return names;
}
