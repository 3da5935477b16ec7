// The canonical upstream path: one spelling for the model check and the upstream URL, or a refusal.
import { describe, expect, test } from 'bun:test'
import { canonicalUpstreamPath } from '../../src/proxy/request-target.ts'

describe('canonicalUpstreamPath', () => {
  test('ordinary paths are kept byte for byte', () => {
    for (const path of [
      '/',
      '/v1/chat/completions',
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
      '/vendors/alibaba/v1/wan2.6-t2v/generation/123e4567-e89b',
      '/api/v3/contents/generations/tasks',
      '/v1/models/ft:gpt-4o-mini:org::abc',
      "/v1/x/a!$&'()*+,=@~_.-",
      '/v1/files/%E4%BD%A0%20x',
    ]) {
      expect(canonicalUpstreamPath(path), path).toBe(path)
    }
  })

  test('percent-encoded unreserved characters are decoded; other triplets are upper-cased and kept', () => {
    const cases: [string, string][] = [
      ['/v1beta/%6Dodels/gemini-2.5-pro:generateContent', '/v1beta/models/gemini-2.5-pro:generateContent'],
      ['/%76%31%62%65%74%61/m%6f%64%65%6c%73/gemini-2.5-%70ro:generateContent', '/v1beta/models/gemini-2.5-pro:generateContent'],
      ['/%76endors/google/%761/veo3/generation', '/vendors/google/v1/veo3/generation'],
      ['/a/%2D%2e%5F%7e', '/a/-._~'],
      ['/v1beta/models/gemini-2.5-pro%3agenerateContent', '/v1beta/models/gemini-2.5-pro%3AgenerateContent'],
      ['/v1/files/%e4%bd%a0', '/v1/files/%E4%BD%A0'],
    ]
    for (const [path, canonical] of cases) expect(canonicalUpstreamPath(path), path).toBe(canonical)
  })

  test('what cannot be made canonical safely is refused', () => {
    for (const path of [
      '',
      'v1/models',
      '//v1/models',
      '/v1beta//models/gemini-2.5-pro:generateContent',
      '/v1/models/',
      '/v1beta/models/gemini-2.5-pro:generateContent;x=1',
      '/v1/models;x=1/a',
      '/v1/models/..;/admin',
      '/v1/models/%3B',
      '/v1/%2e%2e/admin',
      '/v1/./models',
      '/v1/%2E/models',
      '/v1/models/%252e%252e/%252e%252e/x',
      '/v1/models/%25%32%65',
      '/v1/models/%252',
      '/v1%2fmodels',
      '/v1%2Fmodels',
      '/v1/%5c%5chost',
      '/v1/models%00.json',
      '/v1/models%0d%0aX-Injected:%201',
      '/v1/models%7f',
      '/v1/%zz',
      '/v1/%4',
      '/v1/%C0%AE%C0%AE',
      '/v1/%FF',
      '/v1/a\\b',
      '/v1/a b',
      '/v1/a|b',
      '/v1/a[b]',
      '/v1/é',
    ]) {
      expect(canonicalUpstreamPath(path), JSON.stringify(path)).toBeUndefined()
    }
  })

  test('a canonical path is its own canonical form', () => {
    for (const path of ['/%76endors/google/%761/veo3/generation', '/v1beta/models/a%3ab', '/v1/files/%e4%bd%a0']) {
      const once = canonicalUpstreamPath(path)!
      expect(canonicalUpstreamPath(once)).toBe(once)
    }
  })
})
