import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { ApiClient } from '../api/client';

export const ApiContext = createContext<ApiClient>(new ApiClient({ actor: () => 'web' }));

/** The app's API client (sends the actor chosen in the header). */
export function useApi(): ApiClient {
  return useContext(ApiContext);
}
