// Reads the models an OpenAI-style batch input file (JSONL, one request per line) would run: each line's `body.model`.
import type { BatchInputGroup } from '../types/jobs.ts'
import { batchBudget, withinJsonBudget } from '../wire/json-budget.ts'
import { checkedModelName } from './model-name.ts'

export type BatchInputScan =
  | { readonly ok: true; readonly models: readonly string[]; readonly groups: readonly BatchInputGroup[] }
  /** A line the gateway cannot read (line 0: the whole file, over its parse budget): which model it runs is unknown. */
  | { readonly ok: false; readonly line: number; readonly problem: string }

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Scans `bytes[start, end)` line by line (LF or CRLF; blank lines skipped). Every line must be a JSON object
 * whose `body.model` is a string; the distinct models are returned in first-seen order. A model name that is
 * too long or malformed throws the usual 400 (`checkedModelName`). Linear in the file; no copy of the file. A file
 * holding more JSON values per MiB than real batch files do (wire/json-budget.ts) is not parsed at all: its lines are
 * counted first, in one pass that reads them as the line parses would (a line the count misreads is one no parse
 * accepts, and the scan stops at the first such line).
 */
export function scanBatchInput(bytes: Uint8Array, start: number, end: number): BatchInputScan {
  if (!withinJsonBudget(bytes, batchBudget(end - start), start, end)) {
    return { ok: false, line: 0, problem: 'holds more JSON values per MiB than the gateway parses' }
  }
  const groups = new Map<string, { model: string; lines: number; inputTokens: number; cappedOutputTokens: number; uncappedAnswers: number }>()
  let lineNumber = 0
  let at = start
  while (at < end) {
    let lineEnd = bytes.indexOf(0x0a, at)
    if (lineEnd < 0 || lineEnd > end) lineEnd = end
    lineNumber++
    let stop = lineEnd
    if (stop > at && bytes[stop - 1] === 0x0d) stop--
    const slice = bytes.subarray(at, stop)
    at = lineEnd + 1
    if (isBlank(slice)) continue
    let line: unknown
    try {
      line = JSON.parse(fatalUtf8.decode(slice))
    } catch {
      return { ok: false, line: lineNumber, problem: 'is not valid JSON' }
    }
    const body = isObject(line) ? line.body : undefined
    const model = isObject(body) ? body.model : undefined
    if (typeof model !== 'string') return { ok: false, line: lineNumber, problem: 'has no string body.model' }
    const name = checkedModelName(model, `line ${lineNumber} of the batch input file`)
    const group = groups.get(name) ?? { model: name, lines: 0, inputTokens: 0, cappedOutputTokens: 0, uncappedAnswers: 0 }
    group.lines++
    group.inputTokens += Math.ceil(slice.byteLength / 4)
    const answers = wholeNumber((body as Record<string, unknown>).n) ?? 1
    const cap = outputCap(body as Record<string, unknown>)
    if (cap === undefined) group.uncappedAnswers += answers
    else group.cappedOutputTokens += cap * answers
    groups.set(name, group)
  }
  return { ok: true, models: [...groups.keys()], groups: [...groups.values()] }
}

/** The output cap a line's body names, in any of the OpenAI endpoints' spellings. */
function outputCap(body: Record<string, unknown>): number | undefined {
  return wholeNumber(body.max_completion_tokens) ?? wholeNumber(body.max_tokens) ?? wholeNumber(body.max_output_tokens)
}

function wholeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.ceil(value) : undefined
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function isBlank(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false
  return true
}
