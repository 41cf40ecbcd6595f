// Vite turns `?inline` imports into data: URLs (src/renderer/preview/trace-worker.ts).
declare module '*.wasm?inline' {
  const dataUrl: string;
  export default dataUrl;
}
