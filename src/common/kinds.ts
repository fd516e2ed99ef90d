/** The path segment of each Jumio product in the internal API (`/v1/{kind}`). */
export const KINDS = ['id-verifications', 'document-verifications', 'authentications'] as const;
export type Kind = (typeof KINDS)[number];

/** Jumio's data centers; each has its own hosts and accounts. */
export const DATACENTERS = ['US', 'EU', 'SGP'] as const;
export type Datacenter = (typeof DATACENTERS)[number];
