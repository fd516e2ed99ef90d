import type { Datacenter } from '../common/kinds.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const SCOPES = ['transactions', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  name: string;
  scopes: Scope[];
  secret: string;
}

/** One Jumio account in one data center (JUMIO_ACCOUNTS, or the account `default`): credentials and ceiling. */
export interface JumioAccount {
  name: string;
  datacenter: Datacenter;
  token: string;
  secret: string;
  ceilingPerSecond: number;
}

/** Proxy URLs as configured (they may carry credentials: never logged); NO_PROXY's entries, lower case. */
export interface EgressProxy {
  https: URL | null;
  http: URL | null;
  noProxy: string[];
}

/** The validated configuration the whole service reads; each area is built by its own `*.config.ts`. */
export interface AppConfig {
  nodeEnv: string;
  sandbox: boolean;
  /** Port of the in-process simulator in the sandbox; 0 picks a free one. */
  sandboxSimulatorPort: number;
  server: {
    port: number;
    logLevel: LogLevel;
    shutdownTimeoutMs: number;
    /** OpenTelemetry traces: on when OTEL_EXPORTER_OTLP_ENDPOINT (or its traces variant) is set. */
    tracing: boolean;
    /** A request's head must arrive within this long, a whole request (body included) within requestTimeoutMs. */
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    /** Connections open at once; one more is closed as soon as it is accepted. */
    maxConnections: number;
  };
  database: {
    url: string | undefined;
    migrationsRun: boolean;
    embeddedDir: string;
    embeddedPort: number;
    /** How long start-up waits for the database at DATABASE_URL to accept connections before it exits 1. */
    startupWaitSeconds: number;
  };
  security: {
    apiKeys: ApiKey[];
    encryptionKeys: { id: string; key: Buffer }[];
    /** Re-encryption under the active key: at most batchSize values (a tenth as many media, at most 16 MiB of them) per intervalMs. */
    keyRotation: { batchSize: number; intervalMs: number };
  };
  jumio: {
    /** One entry per (account, data center) pair; the first listed for a data center is its default. */
    accounts: JumioAccount[];
    /** How often a paused account (credentials rejected) is probed: JUMIO_CREDENTIALS_PROBE_SECONDS. */
    credentialsProbeSeconds: number;
    /** The egress proxy for calls to Jumio (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, read as curl reads them). */
    proxy: EgressProxy;
    userAgent: string;
    defaultDatacenter: Datacenter;
    /** Filled with the in-process simulator's URL in the sandbox. */
    baseUrls: Record<Datacenter, { scans: string; documents: string }>;
    allowInsecureHttp: boolean;
    rateLimitPerSecond: number;
    maxInFlight: number;
    timeoutMs: number;
    unmaskedCardImages: boolean;
    maxMediaBytes: number;
    /** After a 429, every replica pauses that data center for Retry-After, at most this long (0: no pause). */
    rateLimitedPauseMaxSeconds: number;
  };
  reconciler: {
    callbackGraceSeconds: number;
    scheduleSeconds: number[];
    dailyIntervalSeconds: number;
    maxAgeDays: number;
    leaseSeconds: number;
    pollIntervalMs: number;
    enabled: boolean;
  };
  retention: { personalDataDays: number; deleteAtJumioAfterRetrieval: boolean };
  callbacks: { allowedSources: string[]; trustedProxies: string[] };
}
