// Vite turns `?url&inline` imports into data: URLs (src/renderer/preview/trace-worker.ts).
declare module '*.wasm?url&inline' {
  const dataUrl: string;
  export default dataUrl;
}
