import type { AdminApi } from './admin-api.js';

/** What a view gets: the API with the key, where to draw, and the way out when the key stops working. */
export interface AppContext {
  api: AdminApi;
  main: HTMLElement;
  /** Shows the key form again with this message (the key was refused: 401). */
  signOut(message: string): void;
  /** The latest stats, when the overview or the login fetched them (the search offers accounts from them). */
  lastStats: import('./api-types.js').AdminStats | null;
}

/** A view draws into ctx.main and returns what stops it (timers, media URLs) when the route changes. */
export type View = (ctx: AppContext, params: URLSearchParams, path: string[]) => Promise<() => void>;
