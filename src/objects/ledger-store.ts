// Reads of the provider-object ledger (table provider_objects), for the proxy thread's owner cache; the writes are in ledger-writes.ts.
import type { Client } from '@libsql/client'
import type { LedgerWrite } from '../types/ledger-write.ts'

// LedgerWrite lives in src/types/ledger-write.ts: the metering channel carries it without importing src/objects.
export type { LedgerWrite }

export interface StoredOwner {
  readonly kind: string
  readonly orgId: string
  readonly keyId: string
  readonly createdAt: number
  readonly deleted: boolean
  /** A checked batch input file's record (JSON, src/objects/batch-input-record.ts); absent: not checked. */
  readonly batchInput?: string
}

export interface ListedObject {
  readonly objectId: string
  readonly kind: string
  readonly createdAt: number
  readonly status: string | null
  readonly snapshot: string | null
}

export interface ListQuery {
  readonly provider: string
  readonly kind: string
  readonly orgId: string
  readonly limit: number
  /** Rows strictly older (in list order) than this one. */
  readonly before?: { readonly createdAt: number; readonly objectId: string }
  readonly offset?: number
  /** Only objects whose snapshot has this top-level string field (OpenAI's files list by `purpose`). */
  readonly field?: { readonly name: 'purpose' | 'status'; readonly value: string }
}

function ownerOf(row: Record<string, unknown>): StoredOwner {
  return {
    kind: String(row.kind),
    orgId: String(row.org_id),
    keyId: String(row.key_id),
    createdAt: Number(row.created_at),
    deleted: row.deleted_at !== null,
    ...(typeof row.batch_input === 'string' ? { batchInput: row.batch_input } : {}),
  }
}

/** Point lookup by primary key. */
export async function findObject(client: Client, provider: string, objectId: string): Promise<StoredOwner | undefined> {
  const result = await client.execute({
    sql: 'SELECT kind, org_id, key_id, created_at, deleted_at, batch_input FROM provider_objects WHERE provider = ? AND object_id = ?',
    args: [provider, objectId],
  })
  const row = result.rows[0]
  return row ? ownerOf(row as unknown as Record<string, unknown>) : undefined
}

/** The newest objects first, to warm the ownership cache at start-up. */
export async function recentObjects(client: Client, limit: number): Promise<[provider: string, objectId: string, owner: StoredOwner][]> {
  const result = await client.execute({
    sql: 'SELECT provider, object_id, kind, org_id, key_id, created_at, deleted_at, batch_input FROM provider_objects ORDER BY created_at DESC LIMIT ?',
    args: [limit],
  })
  return result.rows.map((row) => {
    const record = row as unknown as Record<string, unknown>
    return [String(record.provider), String(record.object_id), ownerOf(record)]
  })
}

const LIST_SCOPE = 'org_id = ? AND provider = ? AND kind = ? AND deleted_at IS NULL'

/** An org's live objects of one kind, newest first (the order every provider lists in by default). */
export async function listObjects(client: Client, query: ListQuery): Promise<ListedObject[]> {
  const args: (string | number)[] = [query.orgId, query.provider, query.kind]
  let where = LIST_SCOPE
  if (query.before) {
    where += ' AND (created_at < ? OR (created_at = ? AND object_id < ?))'
    args.push(query.before.createdAt, query.before.createdAt, query.before.objectId)
  }
  if (query.field) {
    // The name is one of a closed set, never the client's text.
    where += ` AND json_extract(snapshot, '$.${query.field.name}') = ?`
    args.push(query.field.value)
  }
  args.push(query.limit, query.offset ?? 0)
  const result = await client.execute({
    sql: `SELECT object_id, kind, created_at, status, snapshot FROM provider_objects WHERE ${where} ORDER BY created_at DESC, object_id DESC LIMIT ? OFFSET ?`,
    args,
  })
  return result.rows.map((row) => {
    const record = row as unknown as Record<string, unknown>
    return {
      objectId: String(record.object_id),
      kind: String(record.kind),
      createdAt: Number(record.created_at),
      status: record.status === null ? null : String(record.status),
      snapshot: record.snapshot === null ? null : String(record.snapshot),
    }
  })
}

export async function countObjects(client: Client, query: Pick<ListQuery, 'provider' | 'kind' | 'orgId'>): Promise<number> {
  const result = await client.execute({ sql: `SELECT count(*) AS n FROM provider_objects WHERE ${LIST_SCOPE}`, args: [query.orgId, query.provider, query.kind] })
  return Number((result.rows[0] as unknown as Record<string, unknown>).n)
}
