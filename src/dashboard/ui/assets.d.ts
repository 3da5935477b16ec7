// Stylesheets imported from TypeScript: Bun's bundler emits them as CSS files beside the script.
declare module '*.css'
