/**
 * Polls `probe` until it yields a truthy value (returned) or `timeoutMs` passes (an error naming `what`), for
 * tests that wait on background work or other processes. A probe that throws counts as "not yet".
 */
export async function pollUntil<T>(
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
