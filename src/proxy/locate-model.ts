// Finds every model a request can cause to run (JSON body, nested JSON, multipart field, batch input file, URL path) following the provider's model rules.
import { GatewayError } from '../errors/gateway-error.ts'
import type { ModelRule, ProviderSpec } from '../providers/spec.ts'
import type { BatchInputGroup } from '../types/jobs.ts'
import { scanBatchInput, type BatchInputScan } from './batch-input.ts'
import { hasValueAt, JsonShapeError, stringsAt } from './json-path.ts'
import { batchBudget, REQUEST_BUDGET, withinJsonBudget } from '../wire/json-budget.ts'
import { checkedModelName, MAX_MODEL_BYTES, tooLong } from './model-name.ts'
import { overBudget } from './over-budget.ts'
import { formBoundary, isFormData, MultipartError, parseFormData, partsNamed, type MultipartPart } from './multipart.ts'

export interface RequestFacts {
  /** The model named by the request, when it names one: the one limits and the meter use. */
  readonly model?: string
  /** Every model the request names, `model` first, deduplicated: each is checked against the key's allowlist. */
  readonly models: readonly string[]
  /**
   * Set when the request may run a model the gateway cannot see (a batch's input file, a stored assistant):
   * why, finishing "the gateway cannot tell which model …". Only keys allowed every model of the provider pass.
   */
  readonly unknowable?: string
  /**
   * A batch input file upload whose every line was read (only for keys limited to some models): the distinct
   * models it names. The hook for a ledger of provider objects to remember on the file, so that a batch may
   * later be checked against them; a file without it was not checked.
   */
  readonly batchInputModels?: readonly string[]
  /** With `batchInputModels`: what the file's lines ask for per model, from which a batch of it is reserved. */
  readonly batchInputGroups?: readonly BatchInputGroup[]
  /**
   * A batch create naming its input file (the rule's `batchInputFile` field): the file id. When the rule makes the
   * request unknowable, the pipeline may resolve it from what was recorded at the file's upload.
   */
  readonly batchInputFile?: string
  /** Set by the pipeline for a batch create whose input file was checked at upload: what its lines ask for. */
  readonly batchInputRecorded?: readonly BatchInputGroup[]
  /** The parsed JSON body, when the body is JSON (reused for limits and metering, never re-serialized upstream). */
  readonly json?: Record<string, unknown>
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true })

function ruleFor(spec: ProviderSpec, method: string, path: string): { rule?: ModelRule; groups?: Record<string, string> } {
  for (const rule of spec.modelRules) {
    if (rule.methods && !rule.methods.includes(method)) continue
    const match = rule.match.exec(path)
    if (match) return { rule, ...(match.groups ? { groups: match.groups } : {}) }
  }
  return {}
}

function parseJsonObject(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    // The decoder drops a UTF-8 byte order mark, as lenient upstream parsers do.
    const value: unknown = JSON.parse(new TextDecoder().decode(body))
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Content types lie (curl -d says form-urlencoded): a body that opens with "{" (after a BOM and blanks) is read as JSON. */
function startsLikeJsonObject(body: Uint8Array): boolean {
  const from = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0
  for (let i = from; i < body.length; i++) {
    const byte = body[i]
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue
    return byte === 0x7b
  }
  return false
}

function decodePathModel(raw: string | undefined): string | undefined {
  if (!raw) return undefined
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}

const unreadable = (message: string) => new GatewayError('model_unreadable', message)

function readForm(body: Uint8Array, contentType: string): MultipartPart[] {
  try {
    return parseFormData(body, formBoundary(contentType))
  } catch (error) {
    if (error instanceof MultipartError) throw unreadable(`The multipart body could not be read unambiguously: ${error.message}.`)
    throw error
  }
}

/** The one part named `name`, if any; two are ambiguous (parsers keep the first or the last). */
function singlePart(form: readonly MultipartPart[], name: string): MultipartPart | undefined {
  const parts = partsNamed(form, name)
  if (parts.length > 1) throw unreadable(`The multipart body has ${parts.length} "${name}" fields; send exactly one.`)
  return parts[0]
}

function formText(body: Uint8Array, part: MultipartPart, field: string): string {
  try {
    return fatalUtf8.decode(body.subarray(part.start, part.end))
  } catch {
    throw unreadable(`The multipart field "${field}" is not valid UTF-8.`)
  }
}

const withoutPrefix = (name: string, prefix: string | undefined) => (prefix && name.startsWith(prefix) ? name.slice(prefix.length) : name)

export interface LocateOptions {
  /**
   * The key may use every model of this provider: a batch input file need not be read line by line (parsing
   * every line of a large upload is the one costly read here, roughly 10-20 ms per MiB).
   */
  readonly everyModelAllowed?: boolean
  /** The body already parsed (a resolver read it to route it): used as it is, the body is not parsed again. */
  readonly json?: Record<string, unknown>
}

/** Adds the models at the rule's nested paths; returns why the run is unknowable, if the rule says it is. */
function readNested(rule: ModelRule, json: Record<string, unknown> | undefined, body: Uint8Array | undefined, models: Set<string>): string | undefined {
  // These rules read a JSON body; a body that is there but not a JSON object cannot be checked.
  if (!json) {
    if (body && body.byteLength > 0) throw unreadable('The request body must be a JSON object the gateway can read.')
    return rule.unknowableWithout ? (rule.unknowableBecause ?? 'the request will run') : undefined
  }
  for (const nested of rule.nested ?? []) {
    try {
      stringsAt(json, nested.path, nested.required === true, (value, label) => models.add(withoutPrefix(checkedModelName(value, `"${label}"`), rule.stripPrefix)))
    } catch (error) {
      if (error instanceof JsonShapeError) throw unreadable(`The request's models could not be read: ${error.message}.`)
      throw error
    }
  }
  const unknowable =
    (rule.unknowableWithout !== undefined && !hasValueAt(json, rule.unknowableWithout)) || (rule.unknowableWith ?? []).some((path) => hasValueAt(json, path))
  return unknowable ? (rule.unknowableBecause ?? 'the request will run') : undefined
}

/** An upload with purpose "batch": the scan of its one file part; undefined for any other upload. */
function readBatchUpload(body: Uint8Array, form: readonly MultipartPart[]): BatchInputScan | undefined {
  const purpose = singlePart(form, 'purpose')
  // A purpose longer than a few bytes cannot be "batch"; it is not decoded.
  if (!purpose || purpose.end - purpose.start > 64 || formText(body, purpose, 'purpose').trim() !== 'batch') return undefined
  const file = singlePart(form, 'file')
  return file ? scanBatchInput(body, file.start, file.end) : undefined
}

export function locateModel(
  spec: ProviderSpec,
  method: string,
  path: string,
  contentType: string,
  body: Uint8Array | undefined,
  options: LocateOptions = {},
): RequestFacts {
  const { rule, groups } = ruleFor(spec, method, path)
  const from = rule?.from ?? (BODY_METHODS.has(method) ? 'body-optional' : 'none')
  const readsBody = from === 'body' || from === 'body-optional' || from === 'unknowable'
  // Parse time grows with the values, not the bytes (wire/json-budget.ts): a body over the budget is not parsed. Where
  // a model must (or nested models may) be read from it, it is refused; where it may name one, the request is
  // unknowable (fail closed: only keys allowed every model pass); elsewhere it is passed on unread, as non-JSON is.
  const bulk = rule?.bulk === true || (rule?.bulk instanceof RegExp && rule.bulk.test(path))
  const overBudgetBody = !options.json && body !== undefined && startsLikeJsonObject(body) && !withinJsonBudget(body, bulk ? batchBudget(body.byteLength) : REQUEST_BUDGET)
  if (overBudgetBody && (from === 'body' || (rule && (rule.nested || rule.unknowableWithout || rule.unknowableWith)))) throw overBudget(bulk)
  const json = options.json ?? (body && !overBudgetBody && startsLikeJsonObject(body) ? parseJsonObject(body) : undefined)
  const form = readsBody && !json && body && isFormData(contentType) ? readForm(body, contentType) : undefined
  const models = new Set<string>()

  let model: string | undefined
  if (from === 'path') {
    const raw = decodePathModel(groups?.model)
    if (raw !== undefined) model = checkedModelName(raw, 'the request path')
  } else if (readsBody) {
    if (json && typeof json.model === 'string') model = withoutPrefix(checkedModelName(json.model, 'the "model" field'), rule?.stripPrefix)
    else if (body && form) {
      const part = singlePart(form, 'model')
      if (part && part.end - part.start > MAX_MODEL_BYTES) throw tooLong('the multipart field "model"')
      if (part) model = checkedModelName(formText(body, part, 'model'), 'the multipart field "model"')
    }
  }
  const required = from === 'body' || from === 'path'
  if (required && !model) {
    throw unreadable(
      from === 'path' ? 'The model could not be read from the request path.' : 'The request must name a model: a JSON body with a string "model" field (or a multipart "model" field).',
    )
  }
  if (model) models.add(model)

  let unknowable = from === 'unknowable' ? (rule?.unknowableBecause ?? `this ${spec.id} endpoint will run`) : undefined
  if (overBudgetBody && readsBody) unknowable ??= 'this request, whose body holds more JSON values than the gateway reads, will run'
  if (rule && (rule.nested || rule.unknowableWithout || rule.unknowableWith)) {
    const nestedUnknowable = readNested(rule, json, body, models)
    unknowable ??= nestedUnknowable
  }

  let batchInputModels: readonly string[] | undefined
  let batchInputGroups: readonly BatchInputGroup[] | undefined
  if (rule?.batchInputUpload && body && form && !options.everyModelAllowed) {
    const upload = readBatchUpload(body, form)
    if (upload?.ok) {
      for (const name of upload.models) models.add(name)
      batchInputModels = upload.models
      batchInputGroups = upload.groups
    } else if (upload) {
      unknowable ??=
        upload.line === 0
          ? `this batch input file will run (the file ${upload.problem})`
          : `line ${upload.line} of this batch input file will run (the line ${upload.problem})`
    }
  }

  return {
    ...(model ? { model } : {}),
    models: [...models],
    ...(unknowable !== undefined ? { unknowable } : {}),
    ...(batchInputModels ? { batchInputModels } : {}),
    ...(batchInputGroups ? { batchInputGroups } : {}),
    ...(rule?.batchInputFile && json && typeof json[rule.batchInputFile] === 'string' ? { batchInputFile: json[rule.batchInputFile] as string } : {}),
    ...(json ? { json } : {}),
  }
}
