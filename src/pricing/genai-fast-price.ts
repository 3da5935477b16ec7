// Prices a matched genai-prices model without the package's per-call work: each price period's unit plan is built once and
// replayed with the package's own arithmetic in its own order, so a cost is bit-identical; anything else takes the package's path.
import { calcPrice, type ModelInfo, type ModelPrice, type PriceCalculation, type Provider, type Usage } from '@pydantic/genai-prices'
import { GENAI_UNITS } from './genai-units.ts'

/*
 * What calcPrice does per call, and what of it is done here once:
 * - matching the model name (regexes, lowercasing) and copying the provider: once per (provider, model), by the caller;
 * - choosing the price period for the time (start dates, time-of-day windows parsed from strings): parsed once here;
 * - checking the price keys, their ancestors and joins, sorting the units: once per price period (a plan);
 * - splitting usage into leaf units and multiplying by the prices: per call, the same operations in the same order.
 * Whenever the package would throw or warn (inconsistent usage, an unknown key), this answers undefined and the caller
 * asks the package, which then throws or warns exactly as before.
 */

interface Unit {
  readonly usageKey: string
  readonly priceKey: string
  readonly per: number
  readonly dimensions: Readonly<Record<string, string>>
  /** 0 input, 1 output, 2 neither (the package's three sums). */
  readonly direction: 0 | 1 | 2
  /** Units whose dimensions are a strict subset of this one's (the package's ancestors). */
  readonly ancestors: ReadonlySet<string>
}

const dimensionsKey = (dimensions: Readonly<Record<string, string>>) =>
  JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => a.localeCompare(b)))

const BY_USAGE = new Map<string, Unit>()
const BY_PRICE = new Map<string, Unit>()
const BY_DIMENSIONS = new Map<string, Unit>()
{
  const raw = Object.entries(GENAI_UNITS)
  const within = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) => Object.entries(a).every(([k, v]) => b[k] === v)
  for (const [usageKey, [priceKey, per, dimensions]] of raw) {
    const ancestors = new Set(raw.filter(([other, [, , d]]) => other !== usageKey && within(d, dimensions)).map(([other]) => other))
    const direction = dimensions.direction === 'input' ? 0 : dimensions.direction === 'output' ? 1 : 2
    const unit: Unit = { usageKey, priceKey, per, dimensions, direction, ancestors }
    BY_USAGE.set(usageKey, unit)
    BY_PRICE.set(priceKey, unit)
    BY_DIMENSIONS.set(dimensionsKey(dimensions), unit)
  }
}

/** The package's "subset" test: every dimension of `a` is `b`'s too. */
function isWithin(a: Unit, b: Unit): boolean {
  for (const k in a.dimensions) if (b.dimensions[k] !== a.dimensions[k]) return false
  return true
}

/** The package's "compatible" test: no dimension of `a` contradicts `b`. */
function compatible(a: Unit, b: Unit): boolean {
  for (const k in a.dimensions) if (b.dimensions[k] !== undefined && b.dimensions[k] !== a.dimensions[k]) return false
  return true
}

function joinOf(a: Unit, b: Unit): Unit | undefined {
  return compatible(a, b) ? BY_DIMENSIONS.get(dimensionsKey({ ...a.dimensions, ...b.dimensions })) : undefined
}

/** "requests" is the one unit usage never reports (the package counts it as 1 per call). */
const reported = (key: string): Unit | undefined => (key === 'requests' ? undefined : BY_USAGE.get(key))

interface Tiered {
  readonly base: number
  readonly tiers: readonly { readonly price: number; readonly start: number }[]
}

interface Term {
  readonly unit: Unit
  readonly price: number | Tiered
  /** Index of the unit's leaf value; -1 for requests (always 1). */
  readonly leaf: number
}

/** One price period, ready to multiply. */
interface Plan {
  /** The priced units in the price object's key order (the order the package sums them in). */
  readonly terms: readonly Term[]
  /** The priced usage units, most specific first (the package's order), each with the leaves below it, in that order. */
  readonly leaves: readonly { readonly unit: Unit; readonly below: readonly number[] }[]
  readonly tiered: boolean
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const isPrice = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0

/** The plan of one price object, or null when the package would warn or throw for it whatever the usage. */
function buildPlan(prices: ModelPrice): Plan | null {
  const priced: { unit: Unit; price: number | Tiered }[] = []
  for (const [key, value] of Object.entries(prices)) {
    if (value === undefined) continue
    const unit = BY_PRICE.get(key)
    if (!unit) return null
    if (isPrice(value)) {
      priced.push({ unit, price: value })
      continue
    }
    if (!isObject(value) || !isPrice(value.base) || !Array.isArray(value.tiers)) return null
    const tiers: { price: number; start: number }[] = []
    for (const tier of value.tiers as unknown[]) {
      if (!isObject(tier) || typeof tier.start !== 'number' || !Number.isSafeInteger(tier.start) || tier.start < 0 || !isPrice(tier.price)) return null
      tiers.push({ price: tier.price, start: tier.start })
    }
    priced.push({ unit, price: { base: value.base, tiers: tiers.sort((a, b) => a.start - b.start) } })
  }
  const keys = new Set(priced.map(({ unit }) => unit.priceKey))
  // The package's checks of the price alone: every ancestor priced, every join of two compatible units registered and priced.
  for (const { unit } of priced) for (const ancestor of unit.ancestors) if (!keys.has(BY_USAGE.get(ancestor)!.priceKey)) return null
  for (let i = 0; i < priced.length; i++) {
    for (let j = i + 1; j < priced.length; j++) {
      const a = priced[i]!.unit
      const b = priced[j]!.unit
      if (!compatible(a, b)) continue
      const join = joinOf(a, b)
      if (!join || !keys.has(join.priceKey)) return null
    }
  }
  const usageUnits = [...new Set(priced.filter(({ unit }) => unit.usageKey !== 'requests').map(({ unit }) => unit))].sort(
    (a, b) => Object.keys(b.dimensions).length - Object.keys(a.dimensions).length || a.usageKey.localeCompare(b.usageKey),
  )
  const leaves = usageUnits.map((unit) => ({
    unit,
    below: usageUnits.flatMap((other, index) => (other !== unit && isWithin(unit, other) ? [index] : [])),
  }))
  const leafIndex = new Map(usageUnits.map((unit, index) => [unit.usageKey, index]))
  return {
    terms: priced.map(({ unit, price }) => ({ unit, price, leaf: leafIndex.get(unit.usageKey) ?? -1 })),
    leaves,
    tiered: priced.some(({ price }) => typeof price === 'object'),
  }
}

/**
 * The package's value of usage unit `key`: as reported, or 0 when absent; undefined where the package would throw (an
 * invalid value, an absent unit with a positive reported part, or with two positive reported units overlapping in it).
 */
function valueOf(usage: Usage, unit: Unit): number | undefined {
  const value = usage[unit.usageKey]
  if (value !== undefined) return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined
  const positive: Unit[] = []
  for (const key in usage) {
    const other = reported(key)
    const v = usage[key]
    if (!other) continue
    if (v === undefined) continue
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return undefined
    if (v <= 0) continue
    if (other.ancestors.has(unit.usageKey)) return undefined
    positive.push(other)
  }
  for (let i = 0; i < positive.length; i++) {
    for (let j = i + 1; j < positive.length; j++) {
      const a = positive[i]!
      const b = positive[j]!
      if (!compatible(a, b) || a.ancestors.has(b.usageKey) || b.ancestors.has(a.usageKey)) continue
      if (joinOf(a, b) === unit) return undefined
    }
  }
  return 0
}

function tieredCost(price: Tiered, quantity: number, inputTotal: number): number {
  if (quantity <= 0) return 0
  let rate = price.base
  for (const tier of price.tiers) if (inputTotal > tier.start) rate = tier.price
  return (rate * quantity) / 1e6
}

export interface FastSums {
  readonly input_price: number
  readonly output_price: number
  readonly total_price: number
}

/** The package's sums for `usage` under `plan`, or undefined where the package would warn or throw. */
function evaluate(plan: Plan, usage: Usage): FastSums | undefined {
  // The package warns of any key it does not price (even one set to undefined): left to it.
  for (const key in usage) if (!reported(key)) return undefined
  let inputTotal = 0
  if (plan.tiered) {
    const input = valueOf(usage, BY_USAGE.get('input_tokens')!)
    if (input === undefined) return undefined
    inputTotal = input
  }
  const leaves = plan.leaves
  const values = new Array<number>(leaves.length)
  for (let k = 0; k < leaves.length; k++) {
    const leaf = leaves[k]!
    const whole = valueOf(usage, leaf.unit)
    if (whole === undefined) return undefined
    let parts = 0
    for (const index of leaf.below) parts += values[index]!
    let rest = whole - parts
    const tolerance = Number.EPSILON * Math.max(1, Math.abs(whole), Math.abs(parts)) * (leaves.length + 1)
    if (rest < 0 && Math.abs(rest) <= tolerance) rest = 0
    if (rest < 0) return undefined
    values[k] = rest
  }
  let input = 0
  let output = 0
  let other = 0
  for (const term of plan.terms) {
    const quantity = term.leaf < 0 ? 1 : values[term.leaf]!
    const price = term.price
    const cost = typeof price === 'number' ? (price * quantity) / term.unit.per : (tieredCost(price, quantity, inputTotal) * 1e6) / term.unit.per
    if (term.unit.direction === 0) input += cost
    else if (term.unit.direction === 1) output += cost
    else other += cost
  }
  return { input_price: input, output_price: output, total_price: input + output + other }
}

/** Seconds after 00:00 UTC of an `HH:MM:SS[.f](Z|±HH:MM)` time, as the package computes them. */
function secondsOfDay(time: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time)
  if (!m) throw new Error(`Invalid time-of-day constraint: ${time}`)
  const [, hh, mm, ss, fraction = '', zone, sign, zh = '00', zm = '00'] = m
  const h = Number(hh)
  const min = Number(mm)
  const s = Number(ss)
  const offset = (Number(zh) * 60 + Number(zm)) * 60
  if (h > 23 || min > 59 || s > 59 || zh > '23' || zm > '59') throw new Error(`Invalid time-of-day constraint: ${time}`)
  const local = h * 3600 + min * 60 + s + +`0.${fraction}`
  const shift = zone === 'Z' ? 0 : sign === '+' ? offset : -offset
  return (local - shift + 86400) % 86400
}

type Period =
  | { readonly kind: 'always'; readonly prices: ModelPrice }
  | { readonly kind: 'from'; readonly startMs: number; readonly prices: ModelPrice }
  | { readonly kind: 'daily'; readonly start: number; readonly end: number; readonly prices: ModelPrice }

/** A matched model ready to price: its periods (newest last, as the package walks them) and its plans. */
export interface FastModel {
  readonly provider: Provider
  readonly model: ModelInfo
  /** undefined: one price for all time. */
  readonly periods: readonly Period[] | undefined
  readonly fallback: ModelPrice | undefined
  readonly plans: Map<ModelPrice, Plan | null>
}

/** Usage shapes a plan is checked with against the package before it is trusted (each unit we report, tiers crossed). */
function probeUsages(plan: Plan): Usage[] {
  const tierStarts = plan.terms.flatMap(({ price }) => (typeof price === 'object' ? price.tiers.map((tier) => tier.start) : []))
  const inputs = [0, 1, 1_234_567, ...tierStarts, ...tierStarts.map((start) => start + 1)]
  const shapes: Usage[] = []
  for (const input of inputs) {
    shapes.push({ input_tokens: input, output_tokens: 98_765 })
    const cache = Math.floor(input / 3)
    shapes.push({ input_tokens: input, output_tokens: 4_321, cache_read_tokens: cache, cache_write_tokens: Math.floor(cache / 2) })
  }
  shapes.push(
    { input_tokens: 300_000, output_tokens: 70_001, cache_write_tokens: 3_000, cache_write_5m_tokens: 1_000, cache_write_1h_tokens: 2_000, output_reasoning_tokens: 50_000 },
    { input_tokens: 400_000, output_tokens: 9_000, cache_read_tokens: 10_000, input_audio_tokens: 7_000, output_audio_tokens: 3_000, input_image_tokens: 900, output_image_tokens: 800 },
    { input_tokens: 1_000, output_tokens: 10, web_searches: 3, audio_seconds: 12.5, input_characters: 4_000 },
  )
  return shapes
}

type Outcome = { readonly total: number; readonly input: number; readonly output: number } | { readonly error: string }

function packageOutcome(usage: Usage, modelName: string, provider: Provider, prices: ModelPrice, model: ModelInfo): Outcome {
  try {
    // The model alone with this one price: the package prices it as it would the period.
    const calc = calcPrice(usage, modelName, { provider: { ...provider, models: [{ ...model, prices }] } })
    if (!calc) return { error: 'no match' }
    return { total: calc.total_price, input: calc.input_price, output: calc.output_price }
  } catch (error) {
    return { error: String(error) }
  }
}

/** A plan for `prices`, checked against the package on probe usages; null when none can stand in for it. */
function trustedPlan(fast: FastModel, modelName: string, prices: ModelPrice): Plan | null {
  const plan = buildPlan(prices)
  if (!plan) return null
  for (const usage of probeUsages(plan)) {
    const expected = packageOutcome(usage, modelName, fast.provider, prices, fast.model)
    const got = evaluate(plan, usage)
    if ('error' in expected) {
      if (got !== undefined) return null
      continue
    }
    if (got === undefined) continue
    if (!Object.is(got.total_price, expected.total) || !Object.is(got.input_price, expected.input) || !Object.is(got.output_price, expected.output)) return null
  }
  return plan
}

/**
 * The fast form of a model the package matched for `modelName` within `provider` (a one-model provider copy), or null
 * when its calls must stay the package's (a provider-specific rule, a constraint it would reject).
 */
export function compileModel(provider: Provider, modelName: string): FastModel | null {
  let calc: PriceCalculation | null
  try {
    // The package's own normalised copies of the provider and model, as every call of it builds them.
    calc = calcPrice({ input_tokens: 0, output_tokens: 0 }, modelName, { provider, timestamp: new Date(0) })
  } catch {
    return null
  }
  if (!calc) return null
  const { model } = calc
  // The one per-provider rule in calcPrice: Groq's Whisper bills at least 10 s.
  if (calc.provider.id === 'groq' && (model.id === 'whisper-large-v3' || model.id === 'whisper-large-v3-turbo')) return null
  const plans = new Map<ModelPrice, Plan | null>()
  if (!Array.isArray(model.prices)) return { provider: calc.provider, model, periods: undefined, fallback: undefined, plans }
  const periods: Period[] = []
  try {
    for (const conditional of model.prices) {
      const constraint = conditional.constraint
      if (constraint === undefined) periods.push({ kind: 'always', prices: conditional.prices })
      else if (constraint.type === 'start_date') periods.push({ kind: 'from', startMs: new Date(constraint.start_date).getTime(), prices: conditional.prices })
      else if (constraint.type === 'time_of_date') {
        periods.push({ kind: 'daily', start: secondsOfDay(constraint.start_time), end: secondsOfDay(constraint.end_time), prices: conditional.prices })
      } else return null
    }
  } catch {
    return null
  }
  return { provider: calc.provider, model, periods, fallback: model.prices[0]?.prices, plans }
}

/** The price in force at `at`, as the package picks it (the last matching period, else the first). */
function pricesAt(fast: FastModel, at: Date): ModelPrice | undefined {
  const periods = fast.periods
  if (!periods) return fast.model.prices as ModelPrice
  const ms = at.getTime()
  for (let i = periods.length - 1; i >= 0; i--) {
    const period = periods[i]!
    if (period.kind === 'always') return period.prices
    if (period.kind === 'from') {
      if (ms >= period.startMs) return period.prices
    } else {
      const now = at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds() + at.getUTCMilliseconds() / 1e3
      if (period.end < period.start ? now >= period.start || now < period.end : now >= period.start && now < period.end) return period.prices
    }
  }
  return fast.fallback
}

/** calcPrice's answer for the compiled model, or undefined where only the package can give it (it would throw or warn). */
export function fastCalc(fast: FastModel, modelName: string, usage: Usage, at: Date): PriceCalculation | undefined {
  if (Number.isNaN(at.getTime())) return undefined
  const prices = pricesAt(fast, at)
  if (prices === undefined) return undefined
  let plan = fast.plans.get(prices)
  if (plan === undefined) {
    plan = trustedPlan(fast, modelName, prices)
    fast.plans.set(prices, plan)
  }
  if (plan === null) return undefined
  const sums = evaluate(plan, usage)
  if (!sums) return undefined
  return { auto_update_timestamp: undefined, model: fast.model, model_price: prices, provider: fast.provider, ...sums }
}
