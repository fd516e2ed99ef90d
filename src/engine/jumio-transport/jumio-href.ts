import type { Datacenter } from '../../common/kinds.js';
import { sanitize } from './jumio-call-result.js';

export const API_BASE_PATH = '/api/netverify/v2';

/** Which of a data center's two hosts a call goes to (retrieval-rules.md, "Where Jumio is"). */
export type JumioHost = 'scans' | 'documents';

/**
 * An href Jumio gave, as the URL to call, or why it is refused: only the configured host of the transaction's data
 * center (`baseUrl`), under the Retrieval API's path, without credentials in it.
 */
export function checkHref(baseUrl: string, datacenter: Datacenter, host: JumioHost, href: string): URL | string {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return 'refused: the href is not an absolute URL';
  }
  const allowed = new URL(baseUrl);
  if (url.origin !== allowed.origin || url.username || url.password) {
    return `refused: the href points to ${sanitize(url.protocol + '//' + url.host)}, not the configured ${host} host of ${datacenter}`;
  }
  if (!url.pathname.startsWith(`${API_BASE_PATH}/`)) return 'refused: the href is outside /api/netverify/v2';
  return url;
}
