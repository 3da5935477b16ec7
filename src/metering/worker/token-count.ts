// Counts o200k tokens in time linear in the text and bounded by a budget: long runs go to BPE in short pieces, the rest is extrapolated.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base'

/**
 * The tokenizer's BPE merge is quadratic in the length of one pre-tokenizer piece (a run of letters, punctuation,
 * whitespace...): 40,000 × "a" took 0.6 s, 20,000 CJK characters 1.3 s. Runs longer than this are counted in pieces
 * of this many UTF-16 units, so that every BPE call is bounded and a count is linear in its text. A multiple of 3, so
 * that digit runs are cut where the tokenizer's 3-digit groups end anyway.
 */
export const MAX_PIECE_CHARS = 48
/**
 * The tokenizer is handed about this much at once (cut before whitespace, or at four times this between any runs);
 * the budget is checked between calls.
 */
const SEGMENT_CHARS = 2 * 1024
/** Maximal runs of one character class; the tokenizer's pieces never extend more than one character past such a run. */
const RUNS = /[\p{L}\p{M}]+|\p{N}+|\s+|[^\s\p{L}\p{M}\p{N}]+/gu
/** Text the tokenizer never saw is counted at this many UTF-8 bytes per token when nothing was tokenized to learn from. */
const FALLBACK_BYTES_PER_TOKEN = 4

// "<|endoftext|>" and friends in a request are plain text to count, not an error.
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() }

/**
 * How much tokenizing one estimate may do, shared by every text it counts: at most `remainingChars` characters (give or
 * take a segment), and nothing past `deadline` once `untimedChars` have gone through (so that a small estimate is exact
 * whatever the machine's load). Once spent, the rest is extrapolated at the ratio of tokens to characters seen so far, and the estimate says so.
 */
export class TokenBudget {
  private tokenizedChars = 0
  private tokenizedTokens = 0
  private extrapolatedChars = 0
  private longRuns = 0

  constructor(
    private remainingChars: number,
    private readonly deadline: number,
    private readonly now: () => number = () => performance.now(),
    private readonly untimedChars = 0,
  ) {}

  get spent(): boolean {
    return this.remainingChars <= 0 || (this.tokenizedChars >= this.untimedChars && this.now() >= this.deadline)
  }

  /** Tokens per character of everything tokenized so far, or null before anything was. */
  ratio(): number | null {
    return this.tokenizedChars > 0 ? this.tokenizedTokens / this.tokenizedChars : null
  }

  recordTokenized(chars: number, tokens: number): void {
    this.remainingChars -= chars
    this.tokenizedChars += chars
    this.tokenizedTokens += tokens
  }

  recordExtrapolated(chars: number): void {
    this.extrapolatedChars += chars
  }

  recordLongRun(): void {
    this.longRuns++
  }

  /** What a row says about how its estimate was made, or null when every character went through the tokenizer whole. */
  note(): string | null {
    const parts: string[] = []
    if (this.extrapolatedChars > 0) {
      parts.push(`${this.extrapolatedChars} of ${this.tokenizedChars + this.extrapolatedChars} characters extrapolated (tokenizer budget spent)`)
    }
    if (this.longRuns > 0) parts.push(`${this.longRuns} run(s) over ${MAX_PIECE_CHARS} characters counted in pieces`)
    return parts.length > 0 ? `token estimate approximated: ${parts.join('; ')}` : null
  }
}

/** Tokens of `text`: tokenized while the budget lasts, the remainder extrapolated. */
export function countTextTokens(text: string, budget: TokenBudget): number {
  if (text === '') return 0
  const { tokens, consumed } = budget.spent ? { tokens: 0, consumed: 0 } : countLinear(text, budget)
  if (consumed >= text.length) return tokens
  const rest = text.slice(consumed)
  budget.recordExtrapolated(rest.length)
  // This text's own ratio when part of it was tokenized, else the estimate's, else bytes per token.
  const ratio = consumed > 0 ? tokens / consumed : budget.ratio()
  return tokens + Math.ceil(ratio === null ? Buffer.byteLength(rest, 'utf8') / FALLBACK_BYTES_PER_TOKEN : ratio * rest.length)
}

/**
 * Walks the text's runs once. Short runs accumulate into a segment handed to the tokenizer whole; a run too long for
 * BPE is handed over in pieces. Stops between calls once the budget is spent and reports how far it got.
 */
function countLinear(text: string, budget: TokenBudget): { tokens: number; consumed: number } {
  let tokens = 0
  let segmentStart = 0
  const flush = (end: number): boolean => {
    const counted = tokenize(text, segmentStart, end)
    budget.recordTokenized(end - segmentStart, counted)
    tokens += counted
    segmentStart = end
    return budget.spent
  }
  for (const match of text.matchAll(RUNS)) {
    const start = match.index
    const end = start + match[0].length
    if (end - start > MAX_PIECE_CHARS) {
      budget.recordLongRun()
      if (start > segmentStart && flush(start)) return { tokens, consumed: segmentStart }
      let pending = 0
      for (let piece = start; piece < end; ) {
        // Pieces go one by one, but the budget is only looked at once a segment's worth has gone through.
        const pieceEnd = safeCut(text, Math.min(end, piece + MAX_PIECE_CHARS))
        pending += tokenize(text, piece, pieceEnd)
        piece = pieceEnd
        if (piece - segmentStart >= SEGMENT_CHARS || piece === end) {
          budget.recordTokenized(piece - segmentStart, pending)
          tokens += pending
          pending = 0
          segmentStart = piece
          if (budget.spent) return { tokens, consumed: segmentStart }
        }
      }
    } else if (start - segmentStart >= SEGMENT_CHARS && /\s/.test(match[0][0]!) && flush(start)) {
      // Cut just before whitespace, where the tokenizer's own pieces begin (" word"): the count is what it would be whole.
      return { tokens, consumed: segmentStart }
    } else if (end - segmentStart >= 4 * SEGMENT_CHARS && flush(end)) {
      return { tokens, consumed: segmentStart }
    }
  }
  if (segmentStart < text.length) flush(text.length)
  return { tokens, consumed: text.length }
}

function tokenize(text: string, start: number, end: number): number {
  if (end <= start) return 0
  return countTokens(start === 0 && end === text.length ? text : text.slice(start, end), AS_PLAIN_TEXT)
}

/** A cut at `at` moved forward so that it does not split a surrogate pair. */
function safeCut(text: string, at: number): number {
  if (at >= text.length) return text.length
  const before = text.charCodeAt(at - 1)
  return before >= 0xd800 && before <= 0xdbff ? at + 1 : at
}
