// src/ has no import cycles (type-only imports count: they are layering too), and the layers split apart here stay apart.
import { expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cycles, describeCycles, importGraph, importsOf, layerGraph, layerOf, type ImportEdge } from './import-graph.ts'

const SRC = join(import.meta.dir, '../../src')

test('the parser sees every form of relative import, and tells type-only ones apart', () => {
  const file = '/repo/src/admin/routes.ts'
  const source = [
    "import { Elysia } from 'elysia'",
    "import type { Logger } from '../log.ts'",
    "import { type A, type B } from './types-only.ts'",
    "import { value, type C } from './mixed.ts'",
    'import {',
    '  wrapped,',
    "} from '../wrapped.ts'",
    "export { again } from './reexport.ts'",
    "export type { Shape } from '../shape.ts'",
    "import './side-effect.ts'",
    "type Elysian = import('../app.ts').AnyElysia",
    "const lazy = () => import('./lazy.ts')",
    "const later = import('./later.ts').then((module) => module.run)",
    "// import { commented } from './commented-out.ts'",
  ].join('\n')
  const edges = importsOf(file, source).map((edge) => `${edge.to.replace('/repo/src/', '')} ${edge.kind}`).sort()
  expect(edges).toEqual([
    'admin/later.ts runtime',
    'admin/lazy.ts runtime',
    'admin/mixed.ts runtime',
    'admin/reexport.ts runtime',
    'admin/side-effect.ts runtime',
    'admin/types-only.ts type',
    'app.ts type',
    'log.ts type',
    'shape.ts type',
    'wrapped.ts runtime',
  ])
})

test('cycles() finds each strongly connected component, self-imports included, and nothing in a DAG', () => {
  const edge = (from: string, to: string): ImportEdge => ({ from, to, kind: 'type' })
  expect(cycles([edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('c', 'd'), edge('e', 'e'), edge('d', 'f')])).toEqual([['a', 'b', 'c'], ['e']])
  expect(cycles([edge('a', 'b'), edge('a', 'c'), edge('b', 'c')])).toEqual([])
})

test('no module of src/ imports itself back, through runtime or type-only imports', () => {
  const edges = importGraph(SRC)
  expect(edges.length).toBeGreaterThan(100)
  const found = describeCycles(edges)
  expect(found).toBe('')
})

// Folder level: each folder of src/ is a layer (a file at the top of src/ is its own), and layers form no cycle either.
// They did: providers and pricing imported metering's usage types while metering imported both, errors imported
// provider specs, admin imported app.ts, proxy imported limits' concurrency limiter, metering imported objects' ledger type.

test('src/types/ is types only and imports nothing outside itself', () => {
  // Types only: TypeScript leaves nothing of these modules at runtime, so importing one can never load code.
  const transpiler = new Bun.Transpiler({ loader: 'ts' })
  const modules = readdirSync(join(SRC, 'types')).filter((name) => name.endsWith('.ts'))
  expect(modules.length).toBeGreaterThan(0)
  for (const name of modules) expect({ name, emitted: transpiler.transformSync(readFileSync(join(SRC, 'types', name), 'utf8')).trim() }).toEqual({ name, emitted: '' })
  const fromTypes = importGraph(SRC).filter((edge) => layerOf(edge.from) === 'types')
  expect(fromTypes.filter((edge) => layerOf(edge.to) !== 'types')).toEqual([])
})

test('no folder of src/ imports itself back through other folders', () => {
  const layers = layerGraph(importGraph(SRC))
  expect(new Set(layers.map((edge) => edge.from)).size).toBeGreaterThan(10)
  expect(describeCycles(layers)).toBe('')
})
