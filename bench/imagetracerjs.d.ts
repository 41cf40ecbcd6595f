// imagetracerjs ships no types. It is a devDependency kept only for bench/trace.ts, which compares
// the local VTracer engine with it; this declares the one call that comparison makes.
declare module 'imagetracerjs' {
  interface TracerImageData {
    width: number;
    height: number;
    data: Uint8ClampedArray;
  }
  const ImageTracer: {
    versionnumber: string;
    /** Fills in (and so mutates) the options object with the library's defaults. */
    imagedataToSVG(imgd: TracerImageData, options?: { numberofcolors?: number }): string;
  };
  export default ImageTracer;
}
