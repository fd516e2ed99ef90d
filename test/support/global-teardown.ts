import fs from 'node:fs';
import type { EmbeddedDatabase } from '../../src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__EMBEDDED_PG__ as
    { db: EmbeddedDatabase; base: string } | undefined;
  if (!state) return;
  await state.db.stop();
  fs.rmSync(state.base, { recursive: true, force: true });
}
