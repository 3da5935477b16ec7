// Object isolation is on for every provider unless an operator turns it off, per provider, by env or config file.
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig } from '../../src/config.ts'

const isolation = (env: Record<string, string>) =>
  Object.fromEntries(loadConfig(env).providers.map((provider) => [provider.spec.id, provider.objectIsolation]))

describe('object isolation settings', () => {
  test('on by default, off per provider by env; the config file sets it and env wins', () => {
    expect(Object.values(isolation({})).every(Boolean)).toBe(true)
    expect(isolation({ SOCIARO_OPENAI_OBJECT_ISOLATION: 'off' })).toMatchObject({ openai: false, anthropic: true })
    const dir = mkdtempSync(join(tmpdir(), 'sociaro-isolation-'))
    try {
      const file = join(dir, 'sociaro.toml')
      writeFileSync(file, 'object_isolation = { dashscope = "off", byteplus = "on" }\n')
      expect(isolation({ SOCIARO_CONFIG: file })).toMatchObject({ dashscope: false, byteplus: true, openai: true })
      expect(isolation({ SOCIARO_CONFIG: file, SOCIARO_DASHSCOPE_OBJECT_ISOLATION: 'on' })).toMatchObject({ dashscope: true })
      writeFileSync(file, 'object_isolation = { nosuch = "off" }\n')
      expect(() => loadConfig({ SOCIARO_CONFIG: file })).toThrow('nosuch')
      writeFileSync(file, 'object_isolation = { openai = "maybe" }\n')
      expect(() => loadConfig({ SOCIARO_CONFIG: file })).toThrow(ConfigError)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect(() => loadConfig({ SOCIARO_OPENAI_OBJECT_ISOLATION: 'maybe' })).toThrow('SOCIARO_OPENAI_OBJECT_ISOLATION')
  })
})
