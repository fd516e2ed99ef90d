import type { AdminStats, Attempt, TransactionEvent, TransactionPage, TransactionView } from './api-types.js';

/** A refusal or failure of the API: its status (0: no answer) and its messages, as the API gave them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[],
  ) {
    super(`${status}: ${messages.join('; ')}`);
  }
}

/**
 * The admin API with the operator's key in the Authorization header of every call; no cookies are sent or kept
 * (credentials: 'omit'), nothing is cached, and no Referer goes along.
 */
export class AdminApi {
  constructor(private readonly key: string) {}

  stats(): Promise<AdminStats> {
    return this.json('GET', '/v1/admin/stats');
  }

  search(query: URLSearchParams): Promise<TransactionPage> {
    return this.json('GET', `/v1/admin/transactions?${query.toString()}`);
  }

  view(kind: string, reference: string): Promise<TransactionView> {
    return this.json('GET', `/v1/${seg(kind)}/${seg(reference)}`);
  }

  attempts(kind: string, reference: string): Promise<{ items: Attempt[] }> {
    return this.json('GET', `${transactionPath(kind, reference)}/attempts`);
  }

  events(kind: string, reference: string): Promise<{ items: TransactionEvent[] }> {
    return this.json('GET', `${transactionPath(kind, reference)}/events`);
  }

  reconcile(kind: string, reference: string): Promise<TransactionView> {
    return this.json('POST', `${transactionPath(kind, reference)}/reconcile`);
  }

  purge(kind: string, reference: string, atJumio = false): Promise<TransactionView> {
    return this.json('DELETE', `${transactionPath(kind, reference)}/personal-data${atJumio ? '?atJumio=true' : ''}`);
  }

  deleteAtJumio(kind: string, reference: string): Promise<TransactionView> {
    return this.json('POST', `${transactionPath(kind, reference)}/delete-at-jumio`);
  }

  /** A medium's bytes (the view's own href, on this service), fetched with the key. */
  async medium(href: string): Promise<Blob> {
    if (!href.startsWith('/v1/')) throw new ApiError(0, [`not a medium of this service: ${href}`]);
    return (await this.call('GET', href)).blob();
  }

  private async json<T>(method: string, path: string): Promise<T> {
    return (await (await this.call(method, path)).json()) as T;
  }

  private async call(method: string, path: string): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: { Authorization: `Bearer ${this.key}`, Accept: 'application/json' },
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch {
      throw new ApiError(0, ['the service did not answer (is it running, is the network up?)']);
    }
    if (response.ok) return response;
    throw new ApiError(response.status, await messagesOf(response));
  }
}

const seg = encodeURIComponent;
const transactionPath = (kind: string, reference: string) => `/v1/admin/transactions/${seg(kind)}/${seg(reference)}`;

/** The contract's error shape: `message` is an array of strings; anything else is summed up by its status. */
async function messagesOf(response: Response): Promise<string[]> {
  try {
    const body = (await response.json()) as { message?: unknown };
    if (Array.isArray(body.message)) return body.message.map(String);
    if (typeof body.message === 'string') return [body.message];
  } catch {
    // not JSON: the status line says it
  }
  return [`${response.status} ${response.statusText}`.trim()];
}
