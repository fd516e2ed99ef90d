/**
 * The admin key, typed once and kept for this browser tab only: sessionStorage is the tab's own (other tabs and
 * windows do not see it, and it is gone when the tab closes). Never a cookie (no CSRF surface), never in a URL.
 */
const STORAGE_KEY = 'jumio-fallback.admin-key';

export function storedKey(): string | null {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function keepKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
