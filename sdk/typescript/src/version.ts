// The SDK's version (browsers forbid a custom User-Agent, and an extra header would need a CORS preflight).
export const VERSION = '0.1.0'
