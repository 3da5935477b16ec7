// Our own versioned list prices for providers genai-prices does not cover: DashScope, BytePlus, MuleRouter.
import type { PriceTableEntry, PriceTier } from './types.ts'

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

export const PRICE_TABLE: readonly PriceTableEntry[] = [...DASHSCOPE, ...BYTEPLUS, ...MULEROUTER]
