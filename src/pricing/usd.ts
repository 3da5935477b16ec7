// USD amounts as operators type them, converted exactly to integer micro-USD.

/** Exact for inputs with up to six decimals; anything else is refused rather than rounded. */
export function usdToMicros(value: number | string, field: string): number {
  const text = String(value).trim()
  if (!/^\d+(\.\d{1,6})?$/.test(text)) throw new Error(`${field} must be a non-negative USD amount with at most 6 decimals, got "${text}"`)
  const [whole, fraction = ''] = text.split('.')
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0'))
}
