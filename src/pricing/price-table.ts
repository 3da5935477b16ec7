// Our own versioned list prices: providers genai-prices does not cover (DashScope, BytePlus, MuleRouter) and models where it is stale (DeepSeek).
import type { PriceTableEntry, PriceTier, TimeWindow, TokenRates } from './types.ts'

/*
 * Conventions
 * - All money is integer micro-USD: token rates per 1M tokens ($0.25/M → 250_000), media per image / per second.
 * - Token rates of 0 on media models are deliberate: those APIs report tokens but bill per image / second /
 *   video token, so the tokens are informational. An ABSENT rate means "unknown" and is reported as unpriced.
 * - No cache rate means cached tokens are billed at the input rate: we only list discounts we could confirm.
 * - `effectiveFrom` is the first date we apply a row. Where the vendor's own start date is unknown it is
 *   the earliest date we have evidence for, and says so.
 * - Tier boundaries: vendors write "128K". We assume 1K = 1,000 tokens (// unverified vs 1,024); that is the
 *   stricter reading, so a borderline request is never billed below list price.
 * - Model keys are matched exactly, else as the longest prefix before a version suffix, so `qwen-plus`
 *   prices `qwen-plus-2025-07-28` and `seed-1-6` prices `seed-1-6-250915`.
 * - A row wins over genai-prices for its model from its `effectiveFrom` on; before a model's first row,
 *   genai-prices (if it knows the model) still prices it.
 * - Time-of-day windows (`timeWindows`, UTC) only where the official page states them for that period.
 */

const K = 1000

const DASHSCOPE_MODELS = 'https://www.alibabacloud.com/help/en/model-studio/models'
const DASHSCOPE_BILLING = 'https://www.alibabacloud.com/help/en/model-studio/billing-for-model-studio'
const DASHSCOPE_BILLING_2024 = 'https://alibabacloud.com/help/en/model-studio/developer-reference/billing-for-tongyiqianwen'
const BYTEPLUS_BILLING = 'https://docs.byteplus.com/docs/ModelArk/1099320'
const BYTEPLUS_PRICING = 'https://docs.byteplus.com/api/docs/ModelArk/1544106'
const BYTEPLUS_LAS_BILLING = 'https://docs.byteplus.com/en/docs/Byteplus_LAS/Large_model_billing'
const MULEROUTER_MODELS = 'https://mulerouter.ai/models'

function tier(upToInputTokens: number, inputMicrosPerMTok: number, outputMicrosPerMTok: number, extra: Partial<PriceTier> = {}): PriceTier {
  return { upToInputTokens, inputMicrosPerMTok, outputMicrosPerMTok, ...extra }
}

/** Same price under several model keys (BytePlus serves Seedance both with and without the `doubao-` prefix). */
function aliases(models: readonly string[], entry: Omit<PriceTableEntry, 'model'>): PriceTableEntry[] {
  return models.map((model) => ({ ...entry, model }))
}

// ---------------------------------------------------------------------------------------------------------
// DashScope (Alibaba Cloud Model Studio), international deployment (Singapore), USD list prices.
// Context-cache discounts exist but their ratio differs between docs (40% vs 20% of input), so none are
// listed: cached tokens bill at the input rate (an upper bound).
// ---------------------------------------------------------------------------------------------------------
const DASHSCOPE: PriceTableEntry[] = [
  // 2024 list prices, kept so old requests reprice correctly (doc snapshots Jul–Dec 2024).
  { provider: 'dashscope', model: 'qwen-max', effectiveFrom: '2024-07-15', inputMicrosPerMTok: 10_000_000, outputMicrosPerMTok: 30_000_000, source: DASHSCOPE_BILLING_2024 },
  { provider: 'dashscope', model: 'qwen-plus', effectiveFrom: '2024-07-15', inputMicrosPerMTok: 3_000_000, outputMicrosPerMTok: 9_000_000, source: DASHSCOPE_BILLING_2024 },
  { provider: 'dashscope', model: 'qwen-turbo', effectiveFrom: '2024-07-15', inputMicrosPerMTok: 400_000, outputMicrosPerMTok: 1_200_000, source: DASHSCOPE_BILLING_2024 },

  // Current list. Switch date unverified: the cut lies between the 2024-12-16 and 2025-04-22 doc snapshots;
  // 2025-01-25 is the qwen-max-2025-01-25 release.
  // Base rates verified ("minimum input/output price" on the billing page); the upper tiers and thinking rates are unverified.
  { provider: 'dashscope', model: 'qwen-max', effectiveFrom: '2025-01-25', inputMicrosPerMTok: 1_600_000, outputMicrosPerMTok: 6_400_000, source: DASHSCOPE_BILLING },
  {
    provider: 'dashscope', model: 'qwen-plus', effectiveFrom: '2025-01-25', source: DASHSCOPE_BILLING,
    tiers: [
      tier(256 * K, 400_000, 1_200_000, { thinkingOutputMicrosPerMTok: 4_000_000 }), // thinking rate unverified
      tier(1_000 * K, 1_200_000, 3_600_000, { thinkingOutputMicrosPerMTok: 12_000_000 }), // unverified
    ],
  },
  { provider: 'dashscope', model: 'qwen-turbo', effectiveFrom: '2025-01-25', inputMicrosPerMTok: 50_000, outputMicrosPerMTok: 200_000, thinkingOutputMicrosPerMTok: 500_000 /* thinking unverified */, source: DASHSCOPE_BILLING },

  // unverified: all qwen-flash numbers (launched 2025-07-28).
  {
    provider: 'dashscope', model: 'qwen-flash', effectiveFrom: '2025-07-28', source: DASHSCOPE_MODELS,
    tiers: [tier(256 * K, 50_000, 400_000), tier(1_000 * K, 250_000, 2_000_000)],
  },
  // Input rates of the first and last tier match third-party summaries of the list; the rest is unverified.
  {
    provider: 'dashscope', model: 'qwen3-max', effectiveFrom: '2025-09-23', source: DASHSCOPE_MODELS,
    tiers: [tier(32 * K, 1_200_000, 6_000_000), tier(128 * K, 2_400_000, 12_000_000), tier(252 * K, 3_000_000, 15_000_000)],
  },
  // unverified: all qwen3-coder-plus numbers.
  {
    provider: 'dashscope', model: 'qwen3-coder-plus', effectiveFrom: '2025-07-22', source: DASHSCOPE_MODELS,
    tiers: [
      tier(32 * K, 1_000_000, 5_000_000),
      tier(128 * K, 1_800_000, 9_000_000),
      tier(256 * K, 3_000_000, 15_000_000),
      tier(1_000 * K, 6_000_000, 60_000_000),
    ],
  },
  // unverified: VL prices.
  { provider: 'dashscope', model: 'qwen-vl-max', effectiveFrom: '2025-01-25', inputMicrosPerMTok: 800_000, outputMicrosPerMTok: 3_200_000, source: DASHSCOPE_MODELS },
  { provider: 'dashscope', model: 'qwen-vl-plus', effectiveFrom: '2025-01-25', inputMicrosPerMTok: 210_000, outputMicrosPerMTok: 630_000, source: DASHSCOPE_MODELS },

  // Wan video, per second of output. The price depends on resolution, which Usage does not carry, so the
  // highest-resolution rate is used (never under-bills). All unverified for the Singapore list.
  ...aliases(['wan2.5-t2v-preview', 'wan2.5-i2v-preview'], { provider: 'dashscope', effectiveFrom: '2025-09-24', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perVideoSecondMicros: 150_000, source: DASHSCOPE_MODELS }), // 1080P; 480P $0.05, 720P $0.10
  ...aliases(['wan2.2-t2v-plus', 'wan2.2-i2v-plus'], { provider: 'dashscope', effectiveFrom: '2025-07-28', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perVideoSecondMicros: 100_000, source: DASHSCOPE_MODELS }), // 1080P; 480P $0.02
  ...aliases(['wan2.1-t2v-plus', 'wanx2.1-t2v-plus', 'wan2.1-i2v-plus', 'wanx2.1-i2v-plus'], { provider: 'dashscope', effectiveFrom: '2025-02-25', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perVideoSecondMicros: 100_000, source: DASHSCOPE_MODELS }),
  ...aliases(['wan2.1-t2v-turbo', 'wanx2.1-t2v-turbo', 'wan2.1-i2v-turbo', 'wanx2.1-i2v-turbo'], { provider: 'dashscope', effectiveFrom: '2025-02-25', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perVideoSecondMicros: 36_000, source: DASHSCOPE_MODELS }),

  // Images, per generated image. All unverified.
  ...aliases(['wanx2.1-t2i-turbo', 'wan2.1-t2i-turbo', 'wan2.2-t2i-flash'], { provider: 'dashscope', effectiveFrom: '2025-02-25', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perImageMicros: 25_000, source: DASHSCOPE_MODELS }),
  ...aliases(['wanx2.1-t2i-plus', 'wan2.1-t2i-plus', 'wan2.2-t2i-plus'], { provider: 'dashscope', effectiveFrom: '2025-02-25', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perImageMicros: 50_000, source: DASHSCOPE_MODELS }),
  { provider: 'dashscope', model: 'qwen-image', effectiveFrom: '2025-08-04', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perImageMicros: 35_000, source: DASHSCOPE_MODELS },
  { provider: 'dashscope', model: 'qwen-image-plus', effectiveFrom: '2025-08-04', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perImageMicros: 30_000, source: DASHSCOPE_MODELS },
  { provider: 'dashscope', model: 'qwen-image-edit', effectiveFrom: '2025-08-18', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perImageMicros: 45_000, source: DASHSCOPE_MODELS },
]

// ---------------------------------------------------------------------------------------------------------
// BytePlus ModelArk (ap-southeast-1), USD. Seed LLMs are tiered by prompt length; cache-hit tokens have their
// own rate; cache STORAGE ($0.0083/M/hour) is not a per-request cost and is not modelled here.
// ---------------------------------------------------------------------------------------------------------
const SEED_1_6_TIERS = [
  tier(128 * K, 250_000, 2_000_000, { cacheReadMicrosPerMTok: 50_000 }),
  tier(256 * K, 500_000, 4_000_000, { cacheReadMicrosPerMTok: 50_000 }),
]

const BYTEPLUS: PriceTableEntry[] = [
  // Verified on the ModelArk billing page. effectiveFrom: earliest date we have evidence for (unverified).
  { provider: 'byteplus', model: 'seed-1-6', effectiveFrom: '2025-06-25', tiers: SEED_1_6_TIERS, source: BYTEPLUS_BILLING },
  {
    provider: 'byteplus', model: 'seed-1-6-flash', effectiveFrom: '2025-06-25', source: BYTEPLUS_BILLING,
    tiers: [
      tier(128 * K, 75_000, 300_000, { cacheReadMicrosPerMTok: 15_000 }),
      tier(256 * K, 100_000, 800_000, { cacheReadMicrosPerMTok: 15_000 }),
    ],
  },
  // Same card as Seed-1.6 on the LAS billing page.
  { provider: 'byteplus', model: 'seed-1-8', effectiveFrom: '2025-12-18', tiers: SEED_1_6_TIERS, source: BYTEPLUS_LAS_BILLING },

  // Seed 2.0 (2026-02). Lite: third-party summary of the BytePlus list (unverified). Mini and Pro: only
  // reseller prices were found; these are those divided by the reseller's ~1.25 markup (unverified estimates).
  { provider: 'byteplus', model: 'seed-2-0-lite', effectiveFrom: '2026-02-14', tiers: [tier(128 * K, 250_000, 2_000_000), tier(256 * K, 500_000, 4_000_000)], source: BYTEPLUS_PRICING },
  { provider: 'byteplus', model: 'seed-2-0-mini', effectiveFrom: '2026-02-14', tiers: [tier(128 * K, 100_000, 400_000), tier(256 * K, 200_000, 800_000)], source: BYTEPLUS_PRICING },
  { provider: 'byteplus', model: 'seed-2-0-pro', effectiveFrom: '2026-02-14', tiers: [tier(128 * K, 500_000, 3_000_000), tier(256 * K, 1_000_000, 6_000_000)], source: BYTEPLUS_PRICING },

  // Seedream, per successfully generated image. 4.0 / 4.5 verified (LAS billing page); the rest unverified.
  { provider: 'byteplus', model: 'seedream-4-0', effectiveFrom: '2025-09-01', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perImageMicros: 30_000, source: BYTEPLUS_LAS_BILLING },
  { provider: 'byteplus', model: 'seedream-4-5', effectiveFrom: '2025-11-28', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perImageMicros: 40_000, source: BYTEPLUS_LAS_BILLING },
  ...aliases(['seedream-5-0', 'seedream-5-0-lite'], { provider: 'byteplus', effectiveFrom: '2026-01-28', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perImageMicros: 35_000, source: BYTEPLUS_PRICING }),
  { provider: 'byteplus', model: 'seedream-3-0-t2i', effectiveFrom: '2025-04-15', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perImageMicros: 30_000, source: BYTEPLUS_PRICING },

  // Seedance, per 1M output (video) tokens = usage.completion_tokens. All unverified (third-party mirrors of
  // the BytePlus list). 1.5-pro is $1.2/M without audio; Usage cannot tell, so the with-audio rate is used.
  // Seedance 2.0 is deliberately absent: only a CNY Volcengine price was found, so it stays unpriced.
  ...aliases(['seedance-1-5-pro', 'doubao-seedance-1-5-pro'], { provider: 'byteplus', effectiveFrom: '2025-12-15', inputMicrosPerMTok: 0, perOutputMTok: 2_400_000, perVideoSecondMicros: 0, source: BYTEPLUS_PRICING }),
  ...aliases(['seedance-1-0-pro', 'doubao-seedance-1-0-pro'], { provider: 'byteplus', effectiveFrom: '2025-05-28', inputMicrosPerMTok: 0, perOutputMTok: 2_500_000, perVideoSecondMicros: 0, source: BYTEPLUS_PRICING }),
  ...aliases(['seedance-1-0-lite', 'doubao-seedance-1-0-lite'], { provider: 'byteplus', effectiveFrom: '2025-04-28', inputMicrosPerMTok: 0, perOutputMTok: 1_800_000, perVideoSecondMicros: 0, source: BYTEPLUS_PRICING }),
]

// ---------------------------------------------------------------------------------------------------------
// MuleRouter. Its per-model prices live in its console, not in any source we could read. LLM passthrough is
// priced at the vendor's own list price (// unverified: assumes MuleRouter adds no margin); media at the
// vendor list where we know it. Extend from the MuleRouter console when prices are confirmed.
// ---------------------------------------------------------------------------------------------------------
const MULEROUTER: PriceTableEntry[] = [
  { provider: 'mulerouter', model: 'gpt-4o', effectiveFrom: '2024-10-01', inputMicrosPerMTok: 2_500_000, outputMicrosPerMTok: 10_000_000, cacheReadMicrosPerMTok: 1_250_000, source: MULEROUTER_MODELS },
  { provider: 'mulerouter', model: 'gpt-4o-mini', effectiveFrom: '2024-07-18', inputMicrosPerMTok: 150_000, outputMicrosPerMTok: 600_000, cacheReadMicrosPerMTok: 75_000, source: MULEROUTER_MODELS },
  {
    provider: 'mulerouter', model: 'claude-sonnet-4-5', effectiveFrom: '2025-09-29', source: MULEROUTER_MODELS,
    tiers: [
      tier(200 * K, 3_000_000, 15_000_000, { cacheReadMicrosPerMTok: 300_000, cacheWriteMicrosPerMTok: 3_750_000 }),
      tier(1_000 * K, 6_000_000, 22_500_000, { cacheReadMicrosPerMTok: 600_000, cacheWriteMicrosPerMTok: 7_500_000 }),
    ],
  },
  { provider: 'mulerouter', model: 'gemini-2.5-flash', effectiveFrom: '2025-06-17', inputMicrosPerMTok: 300_000, outputMicrosPerMTok: 2_500_000, cacheReadMicrosPerMTok: 30_000, source: MULEROUTER_MODELS },
  { provider: 'mulerouter', model: 'qwen-plus', effectiveFrom: '2025-01-25', tiers: [tier(256 * K, 400_000, 1_200_000), tier(1_000 * K, 1_200_000, 3_600_000)], source: MULEROUTER_MODELS },

  // Media (unverified). Wan: highest-resolution rate, as for DashScope. Sora 2: OpenAI list, 720p.
  ...aliases(['wan2.5-t2v-preview', 'wan2.5-i2v-preview'], { provider: 'mulerouter', effectiveFrom: '2025-09-24', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perVideoSecondMicros: 150_000, source: MULEROUTER_MODELS }),
  { provider: 'mulerouter', model: 'sora-2', effectiveFrom: '2025-10-06', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perVideoSecondMicros: 100_000, source: MULEROUTER_MODELS },
  { provider: 'mulerouter', model: 'sora-2-pro', effectiveFrom: '2025-10-06', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perVideoSecondMicros: 300_000, source: MULEROUTER_MODELS },
  { provider: 'mulerouter', model: 'seedream-4-5', effectiveFrom: '2025-11-28', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perImageMicros: 40_000, source: MULEROUTER_MODELS },
  { provider: 'mulerouter', model: 'qwen-image', effectiveFrom: '2025-08-04', inputMicrosPerMTok: 0, outputMicrosPerMTok: 0, perImageMicros: 35_000, source: MULEROUTER_MODELS },
]

// ---------------------------------------------------------------------------------------------------------
// DeepSeek (api.deepseek.com), USD. genai-prices 0.1.8 still prices deepseek-chat / deepseek-reasoner at the
// 2025 V3/R1 list with the UTC 16:30–00:30 night discount, for every date. The official page
// (DEEPSEEK_PRICING) changed many times since; the rows below follow it, each from the instant it took effect.
// Before 2025-09-05 16:00 UTC there is no row: genai-prices prices that period with the very list then in force
// (standard 00:30–16:30 UTC, discount 16:30–00:30 UTC), as the stored copy of the official page confirms.
// DeepSeek bills cache-miss input, cache-hit input and output; there is no cache-write charge, so cache writes
// bill at the input (cache-miss) rate. Reasoning tokens are output tokens.
// The pages corpus holds copies of the official page from 2025-09 and 2026-04-26 only; later figures were read
// from verbatim quotes of the official page in dated GitHub threads (`via`). The newest quote found is of
// 2026-09-18/19: no copy of the page from October or November 2026 was found, so the table is as of then.
// ---------------------------------------------------------------------------------------------------------
const DEEPSEEK_PRICING = 'https://api-docs.deepseek.com/quick_start/pricing'
const DEEPSEEK_NEWS_250929 = 'https://api-docs.deepseek.com/news/news250929'
const DEEPSEEK_NEWS_260813 = 'https://api-docs.deepseek.com/news/news260813'
const DEEPSEEK_NEWS_260910 = 'https://api-docs.deepseek.com/news/news260910'
const DEEPSEEK_CHECKED = '2026-12-01'

function rates(inputMicrosPerMTok: number, cacheReadMicrosPerMTok: number, outputMicrosPerMTok: number): TokenRates {
  return { inputMicrosPerMTok, cacheReadMicrosPerMTok, outputMicrosPerMTok }
}

/** Peak hours as the official page states them: 01:00–04:00 and 06:00–10:00 UTC (09–12, 14–18 Beijing). */
function deepseekPeak(peak: TokenRates, weekdays?: readonly number[]): TimeWindow[] {
  return [
    { from: '01:00', to: '04:00', rates: peak, ...(weekdays ? { weekdays } : {}) },
    { from: '06:00', to: '10:00', rates: peak, ...(weekdays ? { weekdays } : {}) },
  ]
}

// The peak windows lie within 09:00–18:00 Beijing time, so the UTC weekday is the Beijing weekday.
const MON_TO_FRI = [1, 2, 3, 4, 5] as const

const V4_FLASH_PEAK_OFF = rates(220_000, 7_000, 660_000)
const V4_FLASH_PEAK_ON = rates(440_000, 14_000, 1_320_000)
const V4_PRO_PEAK_OFF = rates(660_000, 22_000, 1_980_000)
const V4_PRO_PEAK_ON = rates(1_320_000, 44_000, 3_960_000)
const V41_FLASH_PEAK_OFF = rates(150_000, 3_000, 600_000)
const V41_FLASH_PEAK_ON = rates(300_000, 6_000, 1_200_000)

const DS = { provider: 'deepseek', checkedOn: DEEPSEEK_CHECKED } as const
const DS_ALIASES = ['deepseek-chat', 'deepseek-reasoner'] as const

const DEEPSEEK: PriceTableEntry[] = [
  // V3.1 list; "Starting from 16:00 UTC Time on Sept 5th, 2025, we will apply the following price list and cancel
  // the nighttime discount" (stored copy of the official page). Same price for both ids, no time windows.
  ...aliases(DS_ALIASES, { ...DS, effectiveFrom: '2025-09-05T16:00:00Z', ...rates(560_000, 70_000, 1_680_000), source: DEEPSEEK_PRICING }),

  // V3.2-Exp: "API prices drop 50%+, effective immediately" (news of 2025-09-29; the hour is not stated, the row
  // starts at 00:00 UTC that day). $0.028 hit / $0.28 miss / $0.42 out, still the list in April 2026 (V3.2).
  ...aliases(DS_ALIASES, {
    ...DS, effectiveFrom: '2025-09-29T00:00:00Z', ...rates(280_000, 28_000, 420_000), source: DEEPSEEK_NEWS_250929,
    via: 'https://benchlm.ai/blog/posts/deepseek-api-pricing',
  }),

  // V4 preview (2026-04-24; hour not stated): deepseek-chat / deepseek-reasoner become the non-thinking / thinking
  // modes of deepseek-v4-flash. Pro at its "limited-time 75% off" price, which was extended and on 2026-05-22
  // made permanent, so it never reverted to the $1.74 / $3.48 list. Copy of the page of 2026-04-26 01:57 UTC.
  ...aliases([...DS_ALIASES, 'deepseek-v4-flash'], {
    ...DS, effectiveFrom: '2026-04-24T00:00:00Z', ...rates(140_000, 28_000, 280_000), source: DEEPSEEK_PRICING,
    via: 'https://megalodon.jp/ref/2026-0426-0157-09/https://api-docs.deepseek.com:443/quick_start/pricing',
  }),
  {
    ...DS, model: 'deepseek-v4-pro', effectiveFrom: '2026-04-24T00:00:00Z', ...rates(435_000, 36_250, 870_000), source: DEEPSEEK_PRICING,
    via: 'https://megalodon.jp/ref/2026-0426-0157-09/https://api-docs.deepseek.com:443/quick_start/pricing',
  },
  // "All model input cache-hit prices reduced to one-tenth of launch price effective 2026-04-26 12:15 UTC".
  ...aliases([...DS_ALIASES, 'deepseek-v4-flash'], {
    ...DS, effectiveFrom: '2026-04-26T12:15:00Z', ...rates(140_000, 2_800, 280_000), source: DEEPSEEK_PRICING,
    via: 'https://tokenmix.ai/blog/deepseek-api-pricing',
  }),
  {
    ...DS, model: 'deepseek-v4-pro', effectiveFrom: '2026-04-26T12:15:00Z', ...rates(435_000, 3_625, 870_000), source: DEEPSEEK_PRICING,
    via: 'https://tokenmix.ai/blog/deepseek-api-pricing',
  },

  // The aliases became inaccessible after 2026-07-24 15:59 UTC. A usage row still naming them has no known price:
  // it is stored unpriced (not at the stale genai-prices V3 price, not at a guessed V4 one).
  ...aliases(DS_ALIASES, {
    ...DS, effectiveFrom: '2026-07-24T15:59:00Z', source: DEEPSEEK_PRICING, via: 'https://chat-deep.ai/guide/create-chat-completion/',
    note: 'DeepSeek retired this model id on 2026-07-24 15:59 UTC; no official price after that',
  }),

  // V4 official (00:00 Beijing, 2026-08-17): peak / off-peak, peak = 2x, peak 01:00–04:00 and 06:00–10:00 UTC
  // every day. The rows' own rates are off-peak.
  {
    ...DS, model: 'deepseek-v4-flash', effectiveFrom: '2026-08-16T16:00:00Z', ...V4_FLASH_PEAK_OFF, timeWindows: deepseekPeak(V4_FLASH_PEAK_ON),
    source: DEEPSEEK_NEWS_260813, via: 'https://github.com/pydantic/genai-prices/issues/571',
  },
  {
    ...DS, model: 'deepseek-v4-pro', effectiveFrom: '2026-08-16T16:00:00Z', ...V4_PRO_PEAK_OFF, timeWindows: deepseekPeak(V4_PRO_PEAK_ON),
    source: DEEPSEEK_NEWS_260813, via: 'https://github.com/pydantic/genai-prices/issues/571',
  },
  // From Saturday 2026-08-23 (Beijing), weekends are off-peak all day: peak Mon–Fri only.
  {
    ...DS, model: 'deepseek-v4-flash', effectiveFrom: '2026-08-22T16:00:00Z', ...V4_FLASH_PEAK_OFF, timeWindows: deepseekPeak(V4_FLASH_PEAK_ON, MON_TO_FRI),
    source: DEEPSEEK_PRICING, via: 'https://github.com/Wei-Shaw/sub2api/pull/6097',
  },
  {
    ...DS, model: 'deepseek-v4-pro', effectiveFrom: '2026-08-22T16:00:00Z', ...V4_PRO_PEAK_OFF, timeWindows: deepseekPeak(V4_PRO_PEAK_ON, MON_TO_FRI),
    source: DEEPSEEK_PRICING, via: 'https://github.com/Wei-Shaw/sub2api/pull/6097',
  },

  // V4.1 Flash (2026-09-10 04:00 UTC), model id deepseek-flash; "the legacy names deepseek-v4-flash and
  // deepseek-v4-flash-vision-exp are still accepted ... served by DeepSeek-V4.1-Flash and billed at the Flash
  // price" (the prefix row covers -vision-exp and -0731). "Off-peak rates are half of the peak rates. Peak hours
  // are 01:00-04:00 and 06:00-10:00 UTC, Mon-Fri." deepseek-v4-pro keeps its row: the announced routing of Pro to
  // V4.1 Flash from 2026-09-14 was cancelled on 2026-09-11, and the page of 2026-09-18 still lists
  // DeepSeek-V4-Pro-0813 at $0.022 / $0.66 / $1.98 off-peak.
  ...aliases(['deepseek-flash', 'deepseek-v4-flash'], {
    ...DS, effectiveFrom: '2026-09-10T04:00:00Z', ...V41_FLASH_PEAK_OFF, timeWindows: deepseekPeak(V41_FLASH_PEAK_ON, MON_TO_FRI),
    source: DEEPSEEK_PRICING, via: 'https://github.com/2389-research/dippin-lang/pull/316',
  }),
]

// ---------------------------------------------------------------------------------------------------------
// xAI. "Effective May 15, 2026 at 12:00 PM PT" (19:00 UTC) seven text slugs were retired; their requests are
// served by grok-4.3 and "billed at grok-4.3 pricing of $1.25 per 1M input tokens and $2.50 per 1M output tokens
// rather than the rates of the original model". genai-prices 0.1.8 still bills them at their old rates (grok-3 and
// grok-4-0709 at $3 / $15, grok-4-fast at $0.20 / $0.50). Cached input: grok-4.3's $0.20 (its model page).
// Prompts of >= 200K tokens: grok-4.3's higher rate for every token; the page says such requests are charged
// differently, the 2x figures are genai-prices' grok-4.3 entry (// unverified on a stored copy of the page).
// Exact keys only: `grok-3` must not price `grok-3-mini`, `grok-4-0709` is not a prefix family. The unversioned
// aliases (`grok-4`, `grok-4-latest`, `grok-3-latest`) are left to genai-prices: where they point now is not stated.
// ---------------------------------------------------------------------------------------------------------
const XAI_RETIREMENT = 'https://docs.x.ai/developers/migration/may-15-retirement'
const GROK_4_3_TIERS = [
  tier(199_999, 1_250_000, 2_500_000, { cacheReadMicrosPerMTok: 200_000 }),
  tier(1_000_000, 2_500_000, 5_000_000, { cacheReadMicrosPerMTok: 400_000 }),
]

const XAI: PriceTableEntry[] = aliases(
  ['grok-4-1-fast-reasoning', 'grok-4-1-fast-non-reasoning', 'grok-4-fast-reasoning', 'grok-4-fast-non-reasoning', 'grok-4-0709', 'grok-code-fast-1', 'grok-3'],
  {
    provider: 'xai', exact: true, effectiveFrom: '2026-05-15T19:00:00Z', tiers: GROK_4_3_TIERS, source: XAI_RETIREMENT,
    checkedOn: '2026-12-01',
  },
)

export const PRICE_TABLE: readonly PriceTableEntry[] = [...DASHSCOPE, ...BYTEPLUS, ...MULEROUTER, ...DEEPSEEK, ...XAI]
