import type { EnvReader } from './env-reader.js';

/** How the service runs; read first, because the other areas' defaults and requirements depend on it. */
export interface RuntimeMode {
  nodeEnv: string;
  production: boolean;
  sandbox: boolean;
}

/** NODE_ENV and SANDBOX: the sandbox is the default, except in production, where it is refused. */
export function readRuntimeMode(reader: EnvReader): RuntimeMode {
  const nodeEnv = reader.string('NODE_ENV', 'development');
  const production = nodeEnv === 'production';
  const sandbox = reader.boolean('SANDBOX', !production);
  if (production && sandbox) reader.problem('SANDBOX', 'must be false when NODE_ENV=production');
  return { nodeEnv, production, sandbox };
}
