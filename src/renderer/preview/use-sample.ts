import { useCallback, useEffect, useState } from 'react';
import type { ModelInfo } from '../../shared/contract';
import { useApi } from '../transport/context';

/** The file the editor previews settings on. */
export interface Sample {
  /** Changes whenever the sample does (the worker caches decoded pixels by it). */
  key: string;
  name: string;
  blob: Blob;
  /** Where it came from, for the caption. */
  origin: 'queue' | 'chosen';
}

let chosenCount = 0;

/**
 * The sample: the last file dropped on the queue (its item with the highest position, asked for
 * alone: a queue of 10,000 items is not sent over to find it) until the
 * artist chooses another file. A queue that is new, empty or unreachable simply has no sample yet.
 */
export function useSample(model: ModelInfo, queueId: string | undefined): { sample: Sample | undefined; choose(file: File): void } {
  const api = useApi();
  const [sample, setSample] = useState<Sample>();

  useEffect(() => {
    if (!queueId) return;
    let live = true;
    void (async () => {
      try {
        if (model.inputKinds.length === 0) return;
        const last = await api.call('items.latest', { queueId, kinds: model.inputKinds });
        if (!last) return;
        const res = await fetch(api.fileUrl(last.id, 'input', 0));
        if (!res.ok) return;
        const blob = await res.blob();
        if (live) setSample((current) => current ?? { key: `item:${last.id}`, name: last.inputName, blob, origin: 'queue' });
      } catch {
        // No sample from the queue (offline web host, file moved): the artist can still choose one.
      }
    })();
    return () => {
      live = false;
    };
  }, [api, queueId, model.inputKinds]);

  const choose = useCallback((file: File) => {
    setSample({ key: `file:${++chosenCount}:${file.name}`, name: file.name, blob: file, origin: 'chosen' });
  }, []);

  return { sample, choose };
}

/** An object URL for a blob while it is shown (a data: URL where the page has no object URLs). */
export function useBlobUrl(blob: Blob | undefined): string | undefined {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    if (!blob) {
      setUrl(undefined);
      return;
    }
    if (typeof URL.createObjectURL !== 'function') {
      let live = true;
      void readBytes(blob).then((buf) => {
        if (!live) return;
        let binary = '';
        const bytes = new Uint8Array(buf);
        for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        setUrl(`data:${blob.type || 'application/octet-stream'};base64,${btoa(binary)}`);
      });
      return () => {
        live = false;
      };
    }
    const made = URL.createObjectURL(blob);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [blob]);
  return url;
}

/** A blob's bytes, where Blob.arrayBuffer is missing too (jsdom) through a FileReader. */
export function readBytes(blob: Blob): Promise<ArrayBuffer> {
  if (typeof blob.arrayBuffer === 'function') return blob.arrayBuffer();
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as ArrayBuffer);
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.readAsArrayBuffer(blob);
  });
}
