// Builds the module graph of src/ from its relative import/export specifiers and finds its cycles (strongly connected components).
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

/** `runtime` edges load the module when the importer runs; `type` edges exist only for the type-checker. Both count for layering. */
export type EdgeKind = 'runtime' | 'type'

export interface ImportEdge {
  readonly from: string
  readonly to: string
  readonly kind: EdgeKind
  /** An `import('./x.ts')` in code: loaded when that code first runs, not when the importer loads. */
  readonly lazy?: true
}

// `import ... from './x.ts'`, `export ... from './x.ts'`, `import './x.ts'` — across lines, since import lists wrap.
const STATIC_SPECIFIER = /(?:^|[;\n])\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"](\.{1,2}\/[^'"]+)['"]|(?:^|[;\n])\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/g
// `import('./x.ts')` — a lazy load in code (`.then(…)` included), or a type reference when followed by `.Name` that is
// not a call (e.g. `import('./app.ts').AnyElysia`).
const INLINE_IMPORT = /import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)(\s*\.\s*(?=([A-Za-z_$][\w$]*))\3(?!\s*\())?/g

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1')
}

/** True when every named binding in `{ ... }` is marked `type` (then TypeScript erases the import). */
function onlyTypeSpecifiers(clause: string): boolean {
  const braces = clause.match(/^\{([\s\S]*)\}$/)
  if (!braces) return false
  const names = braces[1]!.split(',').map((name) => name.trim()).filter((name) => name.length > 0)
  return names.length > 0 && names.every((name) => name.startsWith('type '))
}

/** The relative imports of one file's source, resolved against `file` (absolute path). */
export function importsOf(file: string, source: string): ImportEdge[] {
  const code = stripComments(source)
  const edges: ImportEdge[] = []
  const target = (specifier: string) => resolve(dirname(file), specifier)
  for (const match of code.matchAll(STATIC_SPECIFIER)) {
    const specifier = match[4] ?? match[5]!
    const typeOnly = match[2] !== undefined || (match[3] !== undefined && onlyTypeSpecifiers(match[3]))
    edges.push({ from: file, to: target(specifier), kind: typeOnly ? 'type' : 'runtime' })
  }
  for (const match of code.matchAll(INLINE_IMPORT)) {
    edges.push(match[2] !== undefined ? { from: file, to: target(match[1]!), kind: 'type' } : { from: file, to: target(match[1]!), kind: 'runtime', lazy: true })
  }
  return edges
}

function typescriptFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name))
    .sort()
}

/** Every relative import edge between files of `root`, with paths relative to `root`. */
export function importGraph(root: string): ImportEdge[] {
  const base = resolve(root)
  const edges: ImportEdge[] = []
  for (const file of typescriptFilesUnder(base)) {
    for (const edge of importsOf(file, readFileSync(file, 'utf8'))) {
      edges.push({ ...edge, from: relative(base, edge.from), to: relative(base, edge.to) })
    }
  }
  return edges
}

/** A folder of src/ is one layer; a file at the top of src/ is a layer of its own. */
export function layerOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : file
}

/** The same imports between layers (folders), without those inside one. */
export function layerGraph(edges: readonly ImportEdge[]): ImportEdge[] {
  return edges
    .map((edge) => ({ from: layerOf(edge.from), to: layerOf(edge.to), kind: edge.kind }))
    .filter((edge) => edge.from !== edge.to)
}

/** Strongly connected components with more than one module (or a module importing itself), by Tarjan's algorithm. */
export function cycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>()
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, new Set())
    if (!next.has(to)) next.set(to, new Set())
    next.get(from)!.add(to)
  }
  const index = new Map<string, number>()
  const lowlink = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const components: string[][] = []
  let counter = 0
  const visit = (node: string): void => {
    index.set(node, counter)
    lowlink.set(node, counter)
    counter++
    stack.push(node)
    onStack.add(node)
    for (const successor of next.get(node)!) {
      if (!index.has(successor)) {
        visit(successor)
        lowlink.set(node, Math.min(lowlink.get(node)!, lowlink.get(successor)!))
      } else if (onStack.has(successor)) {
        lowlink.set(node, Math.min(lowlink.get(node)!, index.get(successor)!))
      }
    }
    if (lowlink.get(node) === index.get(node)) {
      const component: string[] = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      if (component.length > 1 || next.get(node)!.has(node)) components.push(component.sort())
    }
  }
  for (const node of [...next.keys()].sort()) if (!index.has(node)) visit(node)
  return components.sort((a, b) => a[0]!.localeCompare(b[0]!))
}

/** The edges inside one component, for a readable report of how the cycle closes. */
export function edgesWithin(component: readonly string[], edges: readonly ImportEdge[]): ImportEdge[] {
  const members = new Set(component)
  return edges.filter((edge) => members.has(edge.from) && members.has(edge.to))
}

export function describeCycles(edges: readonly ImportEdge[]): string {
  return cycles(edges)
    .map((component) => {
      const lines = edgesWithin(component, edges).map((edge) => `    ${edge.from} -> ${edge.to} (${edge.kind})`)
      return `  { ${component.join(', ')} }\n${lines.join('\n')}`
    })
    .join('\n')
}

if (import.meta.main) {
  const root = process.argv[2] ?? join(import.meta.dir, '../../src')
  const all = importGraph(root)
  const runtime = all.filter((edge) => edge.kind === 'runtime')
  console.log(`${all.length} relative imports (${runtime.length} runtime) between files of ${root}`)
  console.log(`cycles counting runtime imports only: ${cycles(runtime).length}\n${describeCycles(runtime)}`)
  console.log(`cycles counting type-only imports too: ${cycles(all).length}\n${describeCycles(all)}`)
  console.log(`cycles of folders (type-only imports counted): ${cycles(layerGraph(all)).length}\n${describeCycles(layerGraph(all))}`)
}
