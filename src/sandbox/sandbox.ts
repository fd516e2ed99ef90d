import type { AppConfig } from '../config/app-config.js';
import { DATACENTERS } from '../common/kinds.js';

/** In the sandbox every data center, scans and documents hosts alike, is the in-process simulator. */
export function pointEveryDatacenterAt(config: AppConfig, url: string): void {
  for (const dc of DATACENTERS) config.jumio.baseUrls[dc] = { scans: url, documents: url };
}
