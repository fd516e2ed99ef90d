/**
 * What every response of the operators' page carries. The policy allows only the service's own scripts, styles and
 * API (no inline script, no eval, no CDN), images from blob: URLs (media are fetched with the key, then shown), and
 * Trusted Types with no policy at all, so the browser itself refuses any string written into an HTML sink
 * (innerHTML and the like): what Jumio or a backend sent can only ever become text.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  // Revalidated on every load (the ETag answers 304), so a new build is picked up at once.
  'Cache-Control': 'no-cache',
};
