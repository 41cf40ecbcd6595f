import type { KilnApi } from '../../shared/contract';
import { WsClient } from './ws-client';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a plain browser. */
    kiln?: KilnApi;
  }
}

let instance: KilnApi | undefined;

/** The preload bridge in Electron, else a WebSocket client to the web host that served this page. */
export function getApi(): KilnApi {
  if (instance) return instance;
  if (window.kiln) {
    instance = window.kiln;
  } else {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    instance = new WsClient({ url: `${scheme}://${location.host}/ws` });
  }
  return instance;
}
