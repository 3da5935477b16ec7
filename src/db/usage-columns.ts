// The usage tables' columns, read once at load from their Drizzle definitions: SQL names, statements, row encoding.
import { Column, getTableColumns } from 'drizzle-orm'
import { getTableConfig, type SQLiteColumn } from 'drizzle-orm/sqlite-core'
import type { InValue } from '@libsql/client'
import { usageEvents, usageRollups } from './schema.ts'

/** A stored usage row as the code sees it: every column, with its TypeScript type from the schema. */
export type UsageEventRow = typeof usageEvents.$inferSelect
export type UsageEventKey = keyof UsageEventRow
/** One rollup bucket's row: its key columns and its sums. */
export type UsageRollupRow = typeof usageRollups.$inferSelect
type RollupInsert = typeof usageRollups.$inferInsert
/** The summed columns are the numeric ones with a default (0); the key columns are text or have none. */
export type RollupValueKey = { [K in keyof RollupInsert]-?: undefined extends RollupInsert[K] ? (NonNullable<RollupInsert[K]> extends number ? K : never) : never }[keyof RollupInsert]

/** camelCase to snake_case: the schema names every SQL column so (test/db/usage-columns.test.ts holds it to that). */
export type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S

export interface ColumnSpec<K extends string> {
  /** The property in TypeScript. */
  readonly key: K
  /** The column in SQL. */
  readonly name: SnakeCase<K>
  /** JS value to driver value (booleans to 0/1); null when the column stores the value as is. */
  readonly toDriver: ((value: unknown) => unknown) | null
  /** Driver value to JS value (0/1 to booleans); null when the driver's value is the JS value. */
  readonly fromDriver: ((value: unknown) => unknown) | null
}

function specsOf<K extends string>(columns: Record<K, SQLiteColumn>): ColumnSpec<K>[] {
  return (Object.entries(columns) as [K, SQLiteColumn][]).map(([key, column]) => ({
    key,
    name: column.name as SnakeCase<K>,
    // The base class maps nothing; only columns with a mode (boolean, timestamp, json) override it.
    toDriver: column.mapToDriverValue === Column.prototype.mapToDriverValue ? null : (value) => column.mapToDriverValue(value),
    fromDriver: column.mapFromDriverValue === Column.prototype.mapFromDriverValue ? null : (value) => column.mapFromDriverValue(value),
  }))
}

/** Every usage_events column, in the table's order. */
export const USAGE_EVENT_COLUMNS: readonly ColumnSpec<UsageEventKey>[] = specsOf(getTableColumns(usageEvents))
/** Every usage_rollups column, in the table's order. */
export const USAGE_ROLLUP_COLUMNS: readonly ColumnSpec<keyof UsageRollupRow>[] = specsOf(getTableColumns(usageRollups))

const rollupKeyNames = new Set(getTableConfig(usageRollups).primaryKeys[0]!.columns.map((column) => column.name))
/** The columns that identify a bucket (its primary key): an upsert's conflict target. */
export const ROLLUP_KEY_COLUMNS = USAGE_ROLLUP_COLUMNS.filter((column) => rollupKeyNames.has(column.name))
/** The columns a bucket sums. */
export const ROLLUP_VALUE_COLUMNS = USAGE_ROLLUP_COLUMNS.filter((column) => !rollupKeyNames.has(column.name)) as ColumnSpec<RollupValueKey>[]

const EVENT_PLACEHOLDERS = `(${USAGE_EVENT_COLUMNS.map(() => '?').join(', ')})`
const EVENT_INSERT_HEAD = `INSERT INTO ${getTableConfig(usageEvents).name} (${USAGE_EVENT_COLUMNS.map((column) => column.name).join(', ')}) VALUES `
/** Rows per INSERT: one multi-row statement is several times cheaper than one statement per row (999-parameter floor). */
export const USAGE_ROWS_PER_INSERT = Math.floor(999 / USAGE_EVENT_COLUMNS.length)

const insertSqlByRows = new Map<number, string>()
/** An INSERT of `rows` usage rows that keeps a row already stored under the same request id; built once per size. */
export function usageInsertSql(rows: number): string {
  let sql = insertSqlByRows.get(rows)
  if (sql === undefined) {
    sql = `${EVENT_INSERT_HEAD}${Array.from({ length: rows }, () => EVENT_PLACEHOLDERS).join(', ')} ON CONFLICT(request_id) DO NOTHING`
    if (rows <= USAGE_ROWS_PER_INSERT) insertSqlByRows.set(rows, sql)
  }
  return sql
}

/** Appends a row's arguments in `columns` order; a missing optional value is stored as null. */
function pushArgs<K extends string>(columns: readonly ColumnSpec<K>[], record: Readonly<Partial<Record<K, unknown>>>, into: InValue[]): void {
  for (const column of columns) {
    const value = record[column.key]
    into.push((value === undefined || value === null ? null : column.toDriver ? column.toDriver(value) : value) as InValue)
  }
}

/** Appends one usage row's arguments for usageInsertSql. */
export function pushUsageEventArgs(record: Readonly<Partial<UsageEventRow>>, into: InValue[]): void {
  pushArgs(USAGE_EVENT_COLUMNS, record, into)
}

/** A row as the driver returns it (SELECT * FROM usage_events), decoded by the schema. */
export function usageEventFromRow(row: Readonly<Record<string, unknown>>): UsageEventRow {
  const record: Record<string, unknown> = {}
  for (const column of USAGE_EVENT_COLUMNS) {
    const value = row[column.name]
    record[column.key] = value === undefined || value === null ? null : column.fromDriver ? column.fromDriver(value) : value
  }
  // The columns are the schema's, and SQLite holds what the writer stored through the same list.
  return record as UsageEventRow
}

/** Adds each delta to its bucket, creating the bucket at its first delta. */
export const ROLLUP_UPSERT_SQL = `INSERT INTO ${getTableConfig(usageRollups).name} (${USAGE_ROLLUP_COLUMNS.map((column) => column.name).join(', ')})
  VALUES (${USAGE_ROLLUP_COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (${ROLLUP_KEY_COLUMNS.map((column) => column.name).join(', ')}) DO UPDATE SET
  ${ROLLUP_VALUE_COLUMNS.map(({ name }) => `${name} = ${name} + excluded.${name}`).join(', ')}`

/** One delta's arguments for ROLLUP_UPSERT_SQL. */
export function rollupArgs(delta: Readonly<UsageRollupRow>): InValue[] {
  const args: InValue[] = []
  pushArgs(USAGE_ROLLUP_COLUMNS, delta, args)
  return args
}
