// imagetracerjs ships no types. This declares only the part Kiln calls; the library is one
// CommonJS object whose functions take plain objects.
declare module 'imagetracerjs' {
  export interface TracerColor {
    r: number;
    g: number;
    b: number;
    a: number;
  }

  export interface TracerImageData {
    width: number;
    height: number;
    data: Uint8ClampedArray;
  }

  /** Every option is filled in with the library default by checkoptions, which mutates the object. */
  export interface TracerOptions {
    ltres?: number;
    qtres?: number;
    pathomit?: number;
    rightangleenhance?: boolean;
    colorsampling?: 0 | 1 | 2;
    numberofcolors?: number;
    mincolorratio?: number;
    colorquantcycles?: number;
    layering?: 0 | 1;
    strokewidth?: number;
    linefilter?: boolean;
    scale?: number;
    roundcoords?: number;
    viewbox?: boolean;
    desc?: boolean;
    blurradius?: number;
    blurdelta?: number;
    pal?: TracerColor[];
  }

  /** An edge path as found by pathscan: its points lie on pixel corners. */
  export interface ScannedPath {
    points: { x: number; y: number; t: number }[];
    boundingbox: [number, number, number, number];
    holechildren: number[];
    isholepath: boolean;
  }

  export type TracedSegment =
    | { type: 'L'; x1: number; y1: number; x2: number; y2: number }
    | { type: 'Q'; x1: number; y1: number; x2: number; y2: number; x3: number; y3: number };

  export interface TracedPath {
    segments: TracedSegment[];
    boundingbox: [number, number, number, number];
    holechildren: number[];
    isholepath: boolean;
  }

  export interface TraceData {
    layers: TracedPath[][];
    palette: TracerColor[];
    width: number;
    height: number;
  }

  /** Colour-index grid, padded by one cell on every side (-1 there). */
  export interface IndexedImage {
    array: number[][];
    palette: TracerColor[];
  }

  export interface ImageTracerApi {
    versionnumber: string;
    checkoptions(options?: TracerOptions): Required<Omit<TracerOptions, 'pal'>> & Pick<TracerOptions, 'pal'>;
    imagedataToTracedata(imgd: TracerImageData, options?: TracerOptions): TraceData;
    colorquantization(imgd: TracerImageData, options: TracerOptions): IndexedImage;
    layeringstep(ii: IndexedImage, colornum: number): number[][];
    pathscan(edges: number[][], pathomit: number): ScannedPath[];
  }

  const ImageTracer: ImageTracerApi;
  export default ImageTracer;
}
