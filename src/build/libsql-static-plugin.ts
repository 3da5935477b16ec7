// Bun.build plugin: turns libsql's computed require of its native addon into a static one, so --compile embeds it.
import type { BunPlugin } from 'bun'

/** The @libsql/<target> package matching the compile target (only what Bun can compile for). */
export function libsqlNativePackage(target: string): string {
  const table: Record<string, string> = {
    'bun-linux-x64': '@libsql/linux-x64-gnu',
    'bun-linux-x64-musl': '@libsql/linux-x64-musl',
    'bun-linux-arm64': '@libsql/linux-arm64-gnu',
    'bun-linux-arm64-musl': '@libsql/linux-arm64-musl',
    'bun-darwin-x64': '@libsql/darwin-x64',
    'bun-darwin-arm64': '@libsql/darwin-arm64',
    'bun-windows-x64': '@libsql/win32-x64-msvc',
  }
  const found = table[target.replace(/-(baseline|modern)$/, '')]
  if (!found) throw new Error(`no libsql native package for compile target ${target}`)
  return found
}

export function libsqlStaticPlugin(nativePackage: string): BunPlugin {
  return {
    name: 'libsql-static-native',
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]libsql[\\/]index\.js$/ }, async (args) => {
        const source = await Bun.file(args.path).text()
        const dynamic = 'return require(`@libsql/${target}`);'
        if (!source.includes(dynamic)) throw new Error('libsql/index.js changed: update src/build/libsql-static-plugin.ts')
        return { contents: source.replace(dynamic, `return require(${JSON.stringify(nativePackage)});`), loader: 'js' }
      })
    },
  }
}
