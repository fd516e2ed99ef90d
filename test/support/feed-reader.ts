import type { TestApp } from './test-app';
import { bearer } from './test-app';

export interface FeedEventBody {
  id: string;
  kind: string;
  reference: string;
  type: string;
  at: string;
}

/**
 * Pages GET /v1/events from the start until `enough(eventsSoFar)` holds, or fails after `timeoutMs`. The feed holds
 * back events while any transaction on the PostgreSQL cluster could still commit before them, and other test files
 * share the cluster, so a test that reads the feed right after its own writes must wait rather than read once.
 */
export async function readFeedUntil(
  t: TestApp,
  key: string,
  enough: (events: FeedEventBody[]) => boolean,
  timeoutMs = 20_000,
): Promise<FeedEventBody[]> {
  const seen: FeedEventBody[] = [];
  const end = Date.now() + timeoutMs;
  let next: string | undefined;
  for (;;) {
    const page = (
      await t
        .http()
        .get('/v1/events')
        .query({ limit: 500, ...(next ? { after: next } : {}) })
        .set(bearer(key))
        .expect(200)
    ).body as { events: FeedEventBody[]; next: string };
    seen.push(...page.events);
    next = page.next;
    if (enough(seen)) return seen;
    if (Date.now() > end) throw new Error(`the change feed did not show what the test waits for in ${timeoutMs} ms`);
    if (page.events.length === 0) await new Promise((r) => setTimeout(r, 25));
  }
}
