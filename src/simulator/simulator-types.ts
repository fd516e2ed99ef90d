/**
 * Public types of the Jumio Retrieval API simulator. Kept apart from the server so that payload builders,
 * scripts and tests can share them without pulling in node:http.
 */

export type SimulatorKind = 'scan' | 'document' | 'authentication';

export type FaultType =
  | 'http500'
  | 'http429'
  | 'http403'
  | 'timeout'
  | 'reset'
  | 'malformed'
  | 'slow'
  | 'foreign-href'
  | 'truncated'
  | 'huge-json'
  | 'deep-json'
  | 'wrong-content-type'
  | 'oversize'
  | 'loopback-href';

export type SimulatorEndpoint =
  'status' | 'data' | 'images' | 'image' | 'liveness' | 'facemap' | 'pages' | 'page' | 'original' | 'delete' | 'any';

export interface FaultScript {
  /** Default `any`: every known Jumio endpoint of the transaction. */
  endpoint?: SimulatorEndpoint;
  type: FaultType;
  /** How many matching requests it hits, default 1. */
  times?: number;
  /** http429 only: value of the Retry-After header. */
  retryAfterSeconds?: number;
  /** slow: answer normally after this delay; timeout: hold the socket this long (default 120000), never answering. */
  delayMs?: number;
  /**
   * huge-json: total size of the JSON body (default 8 MiB); oversize: size of the medium (default 16 MiB).
   * 1 to 67108864; refused on other fault types.
   */
  sizeBytes?: number;
}

export type ScriptFinal = 'DONE' | 'FAILED' | 'NOT_FOUND' | 'PASSED' | 'INVALID' | 'EXPIRED';
export type ScriptVariant = 'approved' | 'rejected' | 'not-readable' | 'quirky';

export interface TransactionScript {
  kind: SimulatorKind;
  reference: string;
  /** Status answers PENDING (authentication: STARTED) this many times first. Faulted status calls do not count. */
  pendingPolls?: number;
  /** Default DONE (authentication: PASSED). NOT_FOUND: every call 404 once the pending polls are used up. */
  final?: ScriptFinal;
  /** Result flavour, default `approved`. `quirky` is an approved result carrying every payload quirk. */
  variant?: ScriptVariant;
  /** Liveness images, default 2 (scan, authentication). */
  livenessCount?: number;
  /** Scan: facemap listed in /data and served, default true. */
  facemap?: boolean;
  /** Document: page classifiers, default [1, 2]. */
  pages?: number[];
  /** Document: type, default `CC`; `CUSTOM` adds customDocumentCode. */
  documentType?: string;
  /** Document: originalDocument PDF, default true. */
  originalDocument?: boolean;
  /** Document: `maskhint=unmasked` allowed (else 403), default false. */
  allowUnmasked?: boolean;
  /** Image list as one object instead of an array; forces a single image. Default true for `quirky`, else false. */
  imagesAsObject?: boolean;
  /**
   * Extension: apply the payload quirks (hyphenated source, `+0000` timestamps, unknown fields, gender X, single
   * faceSearchFindings string...) to any variant. Default true for `quirky`, else false.
   */
  quirks?: boolean;
  /**
   * Extension, scan only: reject code of the `rejected` / `not-readable` variants (default 100 / 200). Codes no
   * table lists (e.g. "199") are served as they are, with a made-up description and no details.
   */
  rejectReasonCode?: string;
  /**
   * Extension: the holder's first and last name in every answer and callback instead of the derived ones (1 to 200
   * characters, any text: a test of how a reader shows what Jumio sends, markup included).
   */
  firstName?: string;
  lastName?: string;
  /** Consumed in order of arrival by matching requests. */
  faults?: FaultScript[];
  /**
   * Extension: Jumio's callback. `never` (the default): none is sent, as when it is lost. An object: the callback
   * is posted to the simulator's callback URL `afterMs` after the script (default 0), `deliveries` times (default
   * 1; more is a repeated delivery of the same body), and the transaction is final from then on.
   */
  callback?: 'never' | CallbackScript;
}

export interface CallbackScript {
  afterMs?: number;
  deliveries?: number;
}

/** A callback the simulator posted (or tried to). */
export interface SentCallback {
  seq: number;
  /** Date.now() when sent. */
  at: number;
  kind: SimulatorKind;
  reference: string;
  url: string;
  /** null when no answer came (connection refused, timeout). */
  httpStatus: number | null;
  error: string | null;
}

/** A Jumio account a simulated host accepts (extension: several accounts, one data center per host). */
export interface SimulatorAccount {
  name: string;
  token: string;
  secret: string;
  /** The data center the account lives in; a host standing for another data center rejects it (401). */
  datacenter?: string;
}

export interface SimulatorOptions {
  host?: string;
  port?: number;
  /** The credentials of the account `default`, accepted on every host. */
  apiToken: string;
  apiSecret: string;
  /** Extension: more accounts this host accepts. */
  accounts?: SimulatorAccount[];
  /** Extension: the data center this host stands for (it accepts only that data center's accounts). */
  datacenter?: string;
  /**
   * Extension: a request that arrives on a kept-alive connection idle at least this long is reset before it is read,
   * and is not logged: as a load balancer that dropped the idle connection (Jumio never sees the request).
   */
  staleConnectionMs?: number;
  /** Extension: serve HTTPS with this key and certificate (PEM); hrefs are then https:// too. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Extension: how many newest requests the log keeps, default 200000. */
  maxLoggedRequests?: number;
  /** Extension: where callbacks go, e.g. `http://127.0.0.1:3000/callbacks/jumio` (+ `/id-verifications` ...). */
  callbackBaseUrl?: string;
}

export interface SimulatorRequest {
  seq: number;
  /** Date.now() when received. */
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  kind: SimulatorKind | null;
  reference: string | null;
  endpoint: SimulatorEndpoint | 'unknown';
  /** Service-style name for media calls: front, liveness-2, facemap, page-101, original. */
  mediumName: string | null;
  basicUser: string | null;
  authorized: boolean;
  /** The account whose credentials were accepted (`default` for apiToken/apiSecret), null when refused. */
  account: string | null;
  userAgent: string | null;
  accept: string | null;
  /** null when no answer was sent (timeout, reset, client gone). */
  httpStatus: number | null;
  fault: FaultType | null;
  /** status / transactionResult answered on status calls. */
  jumioStatus: string | null;
  durationMs: number | null;
}

export interface RequestFilter {
  reference?: string;
  /** Only requests received at or after this Date.now() value. */
  since?: number;
  endpoint?: SimulatorEndpoint;
}
