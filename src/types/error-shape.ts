// The wire formats of errors the gateway itself produces; types only, shared by provider specs and the error builders.

/** A wire format for errors the gateway itself produces, so each official SDK raises its usual error class. */
export type ErrorShape = 'openai' | 'anthropic' | 'gemini' | 'dashscope' | 'byteplus'
