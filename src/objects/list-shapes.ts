// Pure: reads a listing's paging parameters and renders the ledger's rows in each provider's list envelope.
import type { ListedObject } from './ledger-store.ts'
import type { ListShape, ObjectKind } from './object-routes.ts'

export interface Paging {
  readonly limit: number
  /** Cursor: list the objects after this id (OpenAI `after`, Anthropic `after_id`, Gemini `pageToken`). */
  readonly afterId?: string
  /** Page number from 1 (DashScope `page_no`, BytePlus `page_num`). */
  readonly page?: number
  /** A filter the provider offers on one field of the object (OpenAI files by `purpose`). */
  readonly field?: { readonly name: 'purpose'; readonly value: string }
}

function intParam(params: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = params.get(name)
  const value = raw === null ? NaN : Number(raw)
  return Number.isInteger(value) && value >= 1 ? Math.min(value, max) : fallback
}

export function pagingOf(shape: ListShape, query: string): Paging {
  const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query)
  const cursor = (name: string) => {
    const value = params.get(name)
    return value ? { afterId: value } : {}
  }
  switch (shape) {
    case 'openai': {
      const purpose = params.get('purpose')
      return { limit: intParam(params, 'limit', 20, 100), ...cursor('after'), ...(purpose ? { field: { name: 'purpose', value: purpose.slice(0, 100) } } : {}) }
    }
    case 'anthropic':
      return { limit: intParam(params, 'limit', 20, 1000), ...cursor('after_id') }
    case 'gemini':
      return { limit: intParam(params, 'pageSize', 10, 100), ...cursor('pageToken') }
    case 'dashscope':
      return { limit: intParam(params, 'page_size', 10, 100), page: intParam(params, 'page_no', 1, 1_000_000) }
    case 'byteplus':
      return { limit: intParam(params, 'page_size', 10, 500), page: intParam(params, 'page_num', 1, 1_000_000) }
  }
}

/** The OpenAI `object` word for each kind, for entries whose snapshot was too large to keep. */
const OPENAI_OBJECT: Partial<Record<ObjectKind, string>> = {
  file: 'file',
  batch: 'batch',
  vector_store: 'vector_store',
  assistant: 'assistant',
  chat_completion: 'chat.completion',
  fine_tuning_job: 'fine_tuning.job',
  video: 'video',
  container: 'container',
}

function entryOf(row: ListedObject, shape: ListShape): Record<string, unknown> {
  if (row.snapshot !== null) {
    try {
      return JSON.parse(row.snapshot) as Record<string, unknown>
    } catch {
      // A snapshot is written by us from parsed JSON; if it is unreadable the id alone still lists the object.
    }
  }
  const status = row.status === null ? {} : { status: row.status }
  switch (shape) {
    case 'openai':
      return { id: row.objectId, object: OPENAI_OBJECT[row.kind as ObjectKind] ?? row.kind, created_at: Math.floor(row.createdAt / 1000), ...status }
    case 'anthropic':
      return { id: row.objectId, type: row.kind, created_at: new Date(row.createdAt).toISOString(), ...status }
    case 'gemini':
      return { name: row.objectId, createTime: new Date(row.createdAt).toISOString() }
    case 'dashscope':
      return { task_id: row.objectId, ...(row.status === null ? {} : { task_status: row.status }) }
    case 'byteplus':
      return { id: row.objectId, created_at: Math.floor(row.createdAt / 1000), ...status }
  }
}

/** Gemini lists each kind under its own field. */
const GEMINI_FIELD: Partial<Record<ObjectKind, string>> = { file: 'files', batch: 'operations', cached_content: 'cachedContents' }

/** `rows` holds up to limit + 1 rows: the extra one only says that more exist. */
export function renderList(shape: ListShape, kind: ObjectKind, rows: readonly ListedObject[], paging: Paging, total: number | undefined, requestId: string): unknown {
  const page = rows.slice(0, paging.limit)
  const hasMore = rows.length > paging.limit
  const data = page.map((row) => entryOf(row, shape))
  const firstId = page[0]?.objectId ?? null
  const lastId = page.at(-1)?.objectId ?? null
  switch (shape) {
    case 'openai':
      return { object: 'list', data, first_id: firstId, last_id: lastId, has_more: hasMore }
    case 'anthropic':
      return { data, has_more: hasMore, first_id: firstId, last_id: lastId }
    case 'gemini':
      return { [GEMINI_FIELD[kind] ?? 'items']: data, ...(hasMore && lastId ? { nextPageToken: lastId } : {}) }
    case 'dashscope': {
      const count = total ?? page.length
      return { request_id: requestId, data, total: count, total_page: Math.ceil(count / paging.limit), page_no: paging.page ?? 1, page_size: paging.limit }
    }
    case 'byteplus':
      return { items: data, total: total ?? page.length }
  }
}
