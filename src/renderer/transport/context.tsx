import { createContext, useContext, type ReactNode } from 'react';
import type { KilnApi } from '../../shared/contract';

const ApiContext = createContext<KilnApi | null>(null);

/** Components take the API from context so tests can hand them a fake. */
export function ApiProvider({ api, children }: { api: KilnApi; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): KilnApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <ApiProvider>');
  return api;
}
