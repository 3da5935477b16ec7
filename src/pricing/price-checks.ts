// What was compared against providers' own price pages (and genai-prices 0.1.8), when, and what came of it.
import type { PriceCheck } from './types.ts'

/*
 * A record, not a price source: pricing never reads it. It says which genai-prices entries were found right (so they
 * stay in charge) and which were wrong (so price-table.ts has a row that wins). The machine that made these checks
 * had no internet: "source" is the official page, read from a stored copy of it, or, where `via` is given in the
 * table row, from a dated verbatim quote of it. Re-check the sources below when genai-prices is upgraded.
 */
const ON = '2026-12-01'

export const PRICE_CHECKS: readonly PriceCheck[] = [
  {
    provider: 'deepseek',
    compared: 'deepseek-chat, deepseek-reasoner, deepseek-v4-flash, deepseek-v4-pro, deepseek-flash: cache-miss input, cache-hit input, output; time windows',
    source: 'https://api-docs.deepseek.com/quick_start/pricing',
    checkedOn: ON,
    result:
      'genai-prices wrong from 2025-09-05 16:00 UTC: it keeps the V3/R1 list and the UTC 16:30–00:30 night discount for every date. '
      + 'Table rows added for each official change (2025-09-05 V3.1, 2025-09-29 V3.2-Exp, 2026-04-24 V4 preview, 2026-04-26 cache-hit cut, '
      + '2026-07-24 alias retirement, 2026-08-17 peak/off-peak, 2026-08-23 weekends off-peak, 2026-09-10 V4.1 Flash). '
      + 'Newest copy of the page found: quoted 2026-09-18/19; no October–November 2026 copy, so later changes, if any, are not in the table.',
  },
  {
    provider: 'xai',
    compared: 'grok-3, grok-4-0709, grok-4(-1)-fast-(non-)reasoning, grok-code-fast-1 after their retirement; grok-4.3 base rates',
    source: 'https://docs.x.ai/developers/migration/may-15-retirement',
    checkedOn: ON,
    result:
      'genai-prices wrong after 2026-05-15 19:00 UTC: retired slugs are billed at grok-4.3 rates ($1.25 / $0.20 cached / $2.50), '
      + 'genai-prices keeps their old rates. Table rows added (exact ids). grok-4.3 itself matches the model page (https://docs.x.ai/docs/models/grok-4-fast shows Grok 4.3).',
  },
  {
    provider: 'openai',
    compared: 'gpt-5.5 ($5 / $0.50 / $30), gpt-5.4 ($2.50 / $0.25 / $15) short-context standard rates',
    source: 'https://developers.openai.com/api/docs/pricing',
    checkedOn: ON,
    result:
      'Matches genai-prices 0.1.8. Read from dated quotes of the official page (tokenmix.ai 2026-06-04, morphllm.com June 2026), no stored copy of the page itself. '
      + 'Long-context threshold not confirmed (genai-prices doubles input above 272K; one summary says 270K). gpt-4o and older not re-checked.',
  },
  {
    provider: 'anthropic',
    compared: 'claude-opus-4-7 ($5 / $25), claude-sonnet-4-6 ($3 / $15), claude-haiku-4-5 ($1 / $5); no long-context surcharge on 4.6',
    source: 'https://docs.anthropic.com/en/docs/about-claude/pricing',
    checkedOn: ON,
    result:
      'Matches genai-prices 0.1.8 (which drops the 200K tier for the 4.6 models from 2026-03-13). The stored copy of the official page predates these models '
      + '(Opus 4.1 era); figures from third-party summaries citing it (aiunpacker.com May 2026, deploybase.ai March 2026). No table row added.',
  },
  {
    provider: 'gemini',
    compared: 'gemini-3-flash-preview ($0.50 / $0.05 / $3), gemini-3-pro-preview ($2 / $12, $4 / $18 above 200K), gemini-2.5-flash ($0.30 / $2.50)',
    source: 'https://ai.google.dev/gemini-api/docs/pricing',
    checkedOn: ON,
    result: 'Matches genai-prices 0.1.8 (quote of the official page dated 2026-07-04 on factquire.com; aifreeapi.com 2026-02). No table row added.',
  },
  {
    provider: 'mistral',
    compared: 'mistral-medium-latest → Mistral Medium 3.5 ($1.50 / $7.50) from 2026-06-16',
    source: 'https://mistral.ai/pricing',
    checkedOn: ON,
    result:
      'genai-prices 0.1.8 already has the switch; the price agrees with third-party guides (apidog.com, aimadetools.com); no stored copy of the official page was found. No table row added.',
  },
  {
    provider: 'dashscope',
    compared: 'our own rows (qwen-max, qwen-plus, qwen-turbo, qwen3-max, Wan, Qwen-Image)',
    source: 'https://www.alibabacloud.com/help/en/model-studio/models',
    checkedOn: ON,
    result: 'Not re-checked in this pass; the rows and their "unverified" marks are as before. genai-prices has no DashScope provider.',
  },
  {
    provider: 'byteplus',
    compared: 'our own rows (Seed, Seedream, Seedance)',
    source: 'https://docs.byteplus.com/api/docs/ModelArk/1544106',
    checkedOn: ON,
    result: 'Not re-checked in this pass; genai-prices has no BytePlus provider.',
  },
  {
    provider: 'groq',
    compared: 'nothing',
    source: 'https://groq.com/pricing',
    checkedOn: ON,
    result: 'Not checked: no stored copy of the official page was found. genai-prices 0.1.8 stays in charge.',
  },
  {
    provider: 'together',
    compared: 'nothing',
    source: 'https://www.together.ai/pricing',
    checkedOn: ON,
    result: 'Not checked: no stored copy of the official page was found. genai-prices 0.1.8 stays in charge.',
  },
  {
    provider: 'fireworks',
    compared: 'nothing',
    source: 'https://fireworks.ai/pricing',
    checkedOn: ON,
    result: 'Not checked: no stored copy of the official page was found. genai-prices 0.1.8 stays in charge.',
  },
  {
    provider: 'openrouter',
    compared: 'nothing',
    source: 'https://openrouter.ai/models',
    checkedOn: ON,
    result: 'Not checked: OpenRouter lists a price per routed model and changes them often; no stored copy was compared. genai-prices 0.1.8 stays in charge.',
  },
]
