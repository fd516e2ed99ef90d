import { createHash, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { JumioSimulator, expectedMedium } from '../../src/simulator/jumio-simulator';
import {
  ADMIN_KEY,
  BACKEND_KEY,
  JUMIO_SECRET,
  JUMIO_TOKEN,
  bearer,
  binaryParser,
  startTestApp,
  type TestApp,
} from '../support/test-app';
import { personalValues, servedJson, tagOf, type Kind } from '../support/personal-values';
import { readFeedUntil } from '../support/feed-reader';
import { createTestDatabase } from '../support/test-database';

type SimKind = 'scan' | 'document' | 'authentication';
const SIM: Record<Kind, SimKind> = {
  'id-verifications': 'scan',
  'document-verifications': 'document',
  authentications: 'authentication',
};
const ENCRYPTED_COLUMNS = ['raw_status', 'raw_details', 'raw_media_list', 'result'] as const;

/** Starts with a letter, so the simulator's upper-case tag (first 8 characters) never matches the reference itself. */
const newReference = () => `a${randomUUID().slice(1)}`;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Dump {
  /** row_to_json of every row of every table, with bytea values (hex) cut out. */
  text: string;
  /** Every bytea value of every table, hex. */
  hex: string;
  /** Every bytea value of every table, in PostgreSQL's escape format (printable bytes as they are). */
  escape: string;
}

/** Every row of every table of the service, as text, and every bytea as hex and escape: where personal data could hide. */
async function dumpAll(ds: DataSource): Promise<Dump> {
  const tables: { table_name: string }[] = await ds.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  expect(tables.map((x) => x.table_name)).toEqual(
    expect.arrayContaining([
      'tracked_transaction',
      'jumio_call',
      'stored_medium',
      'change_event',
      'typeorm_migrations',
    ]),
  );
  const text: string[] = [];
  for (const { table_name } of tables) {
    const rows: { row: string }[] = await ds.query(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
    text.push(`${table_name}: ${rows.map((r) => r.row).join('\n')}`);
  }
  const byteaColumns: { table_name: string; column_name: string }[] = await ds.query(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND data_type = 'bytea'`,
  );
  expect(byteaColumns).toEqual(expect.arrayContaining([{ table_name: 'stored_medium', column_name: 'content' }]));
  const hex: string[] = [];
  const escape: string[] = [];
  for (const { table_name, column_name } of byteaColumns) {
    const rows: { hex: string; escape: string }[] = await ds.query(
      `SELECT encode("${column_name}", 'hex') AS hex, encode("${column_name}", 'escape') AS escape FROM "${table_name}" WHERE "${column_name}" IS NOT NULL`,
    );
    hex.push(...rows.map((r) => r.hex));
    escape.push(...rows.map((r) => r.escape));
  }
  // row_to_json writes bytea as "\\x<hex>": cut out, it is searched as hex (and as escape) below.
  return { text: text.join('\n').replace(/\\\\x[0-9a-f]+/g, '\\\\x'), hex: hex.join('\n'), escape: escape.join('\n') };
}

/** Whether a personal value is in the dump: as it is, JSON-escaped (jsonb), doubled backslashes, or its bytes in a bytea. */
function found(dump: Dump, value: string): boolean {
  const json = JSON.stringify(value).slice(1, -1);
  const inText = (s: string) => s.includes(value) || s.includes(json) || s.includes(json.replace(/\\/g, '\\\\'));
  return (
    inText(dump.text) || dump.escape.includes(value) || dump.hex.includes(Buffer.from(value, 'utf8').toString('hex'))
  );
}

/** A 32-byte slice from the middle of a medium, hex: what would be in a bytea dump if the medium were stored in clear. */
function middleSlice(bytes: Buffer): string {
  const mid = Math.floor(bytes.length / 2);
  return bytes.subarray(mid - 16, mid + 16).toString('hex');
}

async function retrieve(t: TestApp, kind: Kind, reference: string, script: Record<string, unknown> = {}): Promise<any> {
  t.simulator.script({ kind: SIM[kind], reference, ...script });
  await t
    .http()
    .post(`/v1/${kind}`)
    .set(bearer(BACKEND_KEY))
    .send({
      reference,
      acquiredAt: t.clock.now().toISOString(),
      callbackGraceSeconds: 0,
      merchantReference: 'order-9',
      customerReference: 'user-9',
    })
    .expect(201);
  t.clock.advanceSeconds(40);
  await t.scheduler.drain();
  const v = (await t.http().get(`/v1/${kind}/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  expect(v.tracking.state).toBe('RETRIEVED');
  return v;
}

const mediumBytes = async (t: TestApp, href: string): Promise<Buffer> =>
  (
    await t
      .http()
      .get(href)
      .set(bearer(BACKEND_KEY))
      .buffer(true)
      .parse(binaryParser as never)
      .expect(200)
  ).body as Buffer;

async function storedKeyIds(
  ds: DataSource,
  reference: string,
): Promise<{ json: (string | null)[]; media: (string | null)[] }> {
  const [row] = await ds.query(
    `SELECT ${ENCRYPTED_COLUMNS.map((c) => `${c}->>'kid' AS ${c}`).join(', ')}, id::text AS id FROM tracked_transaction WHERE reference = $1`,
    [reference],
  );
  const media: { key_id: string | null }[] = await ds.query(
    `SELECT key_id FROM stored_medium WHERE transaction_id = $1 ORDER BY name`,
    [row.id],
  );
  return { json: ENCRYPTED_COLUMNS.map((c) => row[c]), media: media.map((m) => m.key_id) };
}

const CASES: { kind: Kind; script: Record<string, unknown> }[] = [
  { kind: 'id-verifications', script: {} },
  { kind: 'document-verifications', script: { documentType: 'CC' } },
  { kind: 'document-verifications', script: { documentType: 'SSC', pages: [1, 2] } },
  { kind: 'document-verifications', script: { documentType: 'BS' } },
  { kind: 'authentications', script: {} },
];

describe('personal data at rest is encrypted (AES-256-GCM, DATA_ENCRYPTION_KEYS)', () => {
  let t: TestApp;
  const retrieved: {
    kind: Kind;
    reference: string;
    view: any;
    personal: string[];
    media: { name: string; href: string; bytes: Buffer }[];
  }[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    for (const { kind, script } of CASES) {
      const reference = newReference();
      const view = await retrieve(t, kind, reference, script);
      const personal = personalValues(await servedJson(t.simulator.url, kind, reference), reference);
      const media = (view.media as { name: string; href: string }[]).map((m) => ({
        ...m,
        bytes: expectedMedium(SIM[kind], reference, m.name).bytes,
      }));
      retrieved.push({ kind, reference, view, personal, media });
    }
  }, 60_000);
  afterAll(() => t.close());

  it('the simulator served the personal values the search looks for', () => {
    const [scan, cc, ssc, bs, auth] = retrieved;
    const tag = (i: number) => tagOf(retrieved[i].reference);
    expect(scan.personal).toEqual(
      expect.arrayContaining([
        `JANE-${tag(0)}`,
        `DOE-${tag(0)}`,
        scan.view.result.document.number,
        scan.view.result.document.dob,
      ]),
    );
    expect(scan.personal.length).toBeGreaterThanOrEqual(12);
    expect(cc.personal).toEqual(
      expect.arrayContaining([`JANE-${tag(1)} DOE-${tag(1)}`, expect.stringMatching(/^X{12}\d{4}$/)]),
    );
    expect(ssc.personal).toEqual(
      expect.arrayContaining([`JANE-${tag(2)}`, `DOE-${tag(2)}`, expect.stringMatching(/^\d{3}-\d{2}-\d{4}$/)]),
    );
    expect(bs.personal).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\d{9}$/), expect.stringMatching(/EASY STREET$/)]),
    );
    expect(auth.personal).toEqual(expect.arrayContaining([`USER-${tag(4)}`]));
    for (const r of retrieved) expect(r.media.length).toBeGreaterThan(0);
  });

  it('no personal value and no medium byte is in clear in any table; views and media still read', async () => {
    const dump = await dumpAll(t.dataSource);
    for (const r of retrieved) {
      const where = `${r.kind} ${r.reference}`;
      for (const value of r.personal)
        expect({ where, value, found: found(dump, value) }).toEqual({ where, value, found: false });
      for (const m of r.media) {
        expect({
          where,
          medium: m.name,
          slice: dump.hex.includes(middleSlice(m.bytes)) || dump.text.includes(middleSlice(m.bytes)),
        }).toEqual({ where, medium: m.name, slice: false });
        const label = Buffer.from(`jumio-simulator ${SIM[r.kind]} ${r.reference}/${m.name}`).toString('hex');
        expect({ where, medium: m.name, label: dump.hex.includes(label) }).toEqual({
          where,
          medium: m.name,
          label: false,
        });
        // Served decrypted, as the simulator sent it.
        expect((await mediumBytes(t, m.href)).equals(m.bytes)).toBe(true);
      }
      // The view (decrypted) shows the data, and the admin list reads it the same way.
      const view = (await t.http().get(`/v1/${r.kind}/${r.reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
      expect(view).toEqual(r.view);
      expect(JSON.stringify(view.result)).toContain(tagOf(r.reference));
    }
    const listed = (await t.http().get('/v1/admin/transactions?limit=100').set(bearer(ADMIN_KEY)).expect(200)).body
      .items;
    for (const r of retrieved)
      expect(listed.find((v: { reference: string }) => v.reference === r.reference)).toEqual(r.view);
  });

  it('stores envelopes { enc: v1, kid, iv, tag, ct } and media under the key id, with the size and SHA-256 of the medium itself', async () => {
    for (const r of retrieved) {
      const [row] = await t.dataSource.query(
        `SELECT id::text AS id, raw_status, raw_details, raw_media_list, result, media_plan FROM tracked_transaction WHERE reference = $1`,
        [r.reference],
      );
      // What each product stores: the status answer, the details (an authentication's are its status answer), the
      // media list where it is a call of its own (not for authentications: the status answer lists the images), the result.
      const held = ENCRYPTED_COLUMNS.filter((c) => row[c] !== null);
      expect({ kind: r.kind, held }).toEqual({
        kind: r.kind,
        held: r.kind === 'authentications' ? ['raw_status', 'raw_details', 'result'] : [...ENCRYPTED_COLUMNS],
      });
      for (const column of held) {
        expect({
          column,
          keys: Object.keys(row[column] ?? {}).sort(),
          enc: row[column]?.enc,
          kid: row[column]?.kid,
        }).toEqual({
          column,
          keys: ['ct', 'enc', 'iv', 'kid', 'tag'],
          enc: 'v1',
          kid: 'test1',
        });
      }
      // The media plan stays in clear: names, Jumio's hrefs (the reference only) and outcomes.
      expect(row.media_plan.map((e: { name: string; outcome: string }) => [e.name, e.outcome])).toEqual(
        expect.arrayContaining(r.media.map((m) => [m.name, 'STORED'])),
      );
      const media: { name: string; byte_size: number; sha256: string; key_id: string; content: Buffer }[] =
        await t.dataSource.query(
          `SELECT name, byte_size, sha256, key_id, content FROM stored_medium WHERE transaction_id = $1`,
          [row.id],
        );
      expect(media).toHaveLength(r.media.length);
      for (const m of media) {
        const expected = r.media.find((x) => x.name === m.name)!.bytes;
        expect({
          name: m.name,
          size: m.byte_size,
          sha256: m.sha256,
          keyId: m.key_id,
          version: m.content[0],
          header: m.content.subarray(1, 7).toString('latin1'),
        }).toEqual({
          name: m.name,
          size: expected.length,
          sha256: sha256(expected),
          keyId: 'test1',
          version: 1,
          header: '\x05test1',
        });
        expect(m.content.length).toBe(expected.length + 2 + 'test1'.length + 12 + 16);
      }
    }
  });

  it("a ciphertext copied to another row does not decrypt: 503 with the contract's error shape; the service stays up", async () => {
    const [a, b] = retrieved;
    const ids = async (ref: string) =>
      (await t.dataSource.query(`SELECT id::text AS id FROM tracked_transaction WHERE reference = $1`, [ref]))[0].id;
    const [idA, idB] = [await ids(a.reference), await ids(b.reference)];
    const [saved] = await t.dataSource.query(`SELECT result FROM tracked_transaction WHERE id = $1`, [idB]);
    await t.dataSource.query(
      `UPDATE tracked_transaction SET result = (SELECT result FROM tracked_transaction WHERE id = $1) WHERE id = $2`,
      [idA, idB],
    );
    const res = await t.http().get(`/v1/${b.kind}/${b.reference}`).set(bearer(BACKEND_KEY)).expect(503);
    expect(res.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: [expect.stringContaining('cannot be decrypted with the configured data encryption keys')],
    });
    await t.dataSource.query(`UPDATE tracked_transaction SET result = $1::jsonb WHERE id = $2`, [
      JSON.stringify(saved.result),
      idB,
    ]);
    await t.http().get(`/v1/${b.kind}/${b.reference}`).set(bearer(BACKEND_KEY)).expect(200);

    // The same for a medium: another transaction's front image bytes under this transaction's name.
    const [saved2] = await t.dataSource.query(
      `SELECT content FROM stored_medium WHERE transaction_id = $1 AND name = 'face'`,
      [idA],
    );
    const scanAuth = retrieved.find((r) => r.kind === 'authentications')!;
    const idAuth = await ids(scanAuth.reference);
    await t.dataSource.query(`UPDATE stored_medium SET content = $1 WHERE transaction_id = $2 AND name = 'face'`, [
      saved2.content,
      idAuth,
    ]);
    const medium = await t
      .http()
      .get(`/v1/authentications/${scanAuth.reference}/media/face`)
      .set(bearer(BACKEND_KEY))
      .expect(503);
    expect(medium.body.message).toEqual([expect.stringContaining('cannot be decrypted')]);
    await t.http().get('/health/ready').expect(200);
  });

  it('rows stored in clear before encryption still read (and the search above does find data in clear)', async () => {
    const r = retrieved[0];
    const [row] = await t.dataSource.query(`SELECT id::text AS id FROM tracked_transaction WHERE reference = $1`, [
      r.reference,
    ]);
    const front = r.media.find((m) => m.name === 'front')!;
    await t.dataSource.query(`UPDATE tracked_transaction SET result = $1::jsonb WHERE id = $2`, [
      JSON.stringify(r.view.result),
      row.id,
    ]);
    await t.dataSource.query(
      `UPDATE stored_medium SET content = $1, key_id = NULL WHERE transaction_id = $2 AND name = 'front'`,
      [front.bytes, row.id],
    );
    const view = (await t.http().get(`/v1/${r.kind}/${r.reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
    expect(view).toEqual(r.view);
    expect((await mediumBytes(t, front.href)).equals(front.bytes)).toBe(true);
    const dump = await dumpAll(t.dataSource);
    const inResult = r.personal.filter((v) => JSON.stringify(r.view.result).includes(JSON.stringify(v).slice(1, -1)));
    expect(inResult.length).toBeGreaterThanOrEqual(6);
    for (const value of inResult) expect({ value, found: found(dump, value) }).toEqual({ value, found: true });
    expect(dump.hex.includes(middleSlice(front.bytes))).toBe(true);
  });
});

describe('key rotation on one database', () => {
  const KEY_A = `A:${Buffer.alloc(32, 0xa1).toString('base64')}`;
  const KEY_B = `B:${Buffer.alloc(32, 0xb2).toString('base64')}`;
  const START = Date.parse('2026-11-26T10:00:00.000Z');
  let database: { url: string; drop(): Promise<void> };
  let simulator: JumioSimulator;
  let t: TestApp | null = null;
  let lateReplica: TestApp | null = null;

  const start = (keys: string, clockMs: number, env: Record<string, string> = {}) =>
    startTestApp({
      databaseUrl: database.url,
      simulator,
      clockStart: new Date(clockMs).toISOString(),
      env: { DATA_ENCRYPTION_KEYS: keys, ...env },
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    simulator = await JumioSimulator.start({ apiToken: JUMIO_TOKEN, apiSecret: JUMIO_SECRET });
  });
  afterAll(async () => {
    await t?.close();
    if (lateReplica !== t) await lateReplica?.close();
    await simulator.close();
    await database.drop();
  });

  it('A, then "B,A": old data reads, new data is written under B; "B" alone: refused at start, and where A is missing anyway old data answers 503, the rest works; back to "B,A"', async () => {
    // 0. A replica configured with B alone, started while nothing is stored (nothing for the start-up check to
    //    refuse): it will meet data written under A by the others, as a deployment lacking a key others use would.
    lateReplica = await start(KEY_B, START + 2 * 86_400_000, { RECONCILER_LEASE_SECONDS: '1' });

    // 1. Key A: one retrieval done, one stopped after the status (details answered 429 with a day's Retry-After).
    t = await start(KEY_A, START);
    const old = newReference();
    const oldView = await retrieve(t, 'id-verifications', old);
    const oldMedia = (oldView.media as { name: string; href: string }[]).map((m) => ({
      ...m,
      bytes: expectedMedium('scan', old, m.name).bytes,
    }));
    const inFlight = newReference();
    t.simulator.script({
      kind: 'scan',
      reference: inFlight,
      faults: [{ endpoint: 'data', type: 'http429', retryAfterSeconds: 86_400 }],
    });
    await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: inFlight, acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: 0 })
      .expect(201);
    t.clock.advanceSeconds(40);
    await t.scheduler.drain();
    const pending = (await t.http().get(`/v1/id-verifications/${inFlight}`).set(bearer(BACKEND_KEY)).expect(200)).body;
    expect(pending).toMatchObject({ status: 'DONE', tracking: { state: 'RECONCILING' } });
    expect(await storedKeyIds(t.dataSource, old)).toEqual({
      json: ['A', 'A', 'A', 'A'],
      media: oldMedia.map(() => 'A'),
    });
    expect((await storedKeyIds(t.dataSource, inFlight)).json).toEqual(['A', null, null, null]);
    await t.close();

    // 2. "B,A": everything written under A reads; new data is written under B; old rows are not rewritten.
    t = await start(`${KEY_B},${KEY_A}`, START + 3_600_000);
    expect((await t.http().get(`/v1/id-verifications/${old}`).set(bearer(BACKEND_KEY)).expect(200)).body).toEqual(
      oldView,
    );
    for (const m of oldMedia) expect((await mediumBytes(t, m.href)).equals(m.bytes)).toBe(true);
    const fresh = newReference();
    const freshView = await retrieve(t, 'document-verifications', fresh, { documentType: 'SSC' });
    expect(await storedKeyIds(t.dataSource, fresh)).toEqual({
      json: ['B', 'B', 'B', 'B'],
      media: freshView.media.map(() => 'B'),
    });
    expect(await storedKeyIds(t.dataSource, old)).toEqual({
      json: ['A', 'A', 'A', 'A'],
      media: oldMedia.map(() => 'A'),
    });
    expect((await storedKeyIds(t.dataSource, inFlight)).json).toEqual(['A', null, null, null]);
    await t.close();

    // 3. "B" alone (A dropped too early) is refused at start-up, naming A and how many values need it.
    await expect(start(KEY_B, START + 2 * 86_400_000)).rejects.toThrow(
      `DATA_ENCRYPTION_KEYS lacks key "A" (${4 + oldMedia.length + 1} stored values) still encrypting stored data`,
    );
    //    The replica that started with B alone before A's data existed: what A encrypted answers 503, never a
    //    crash; the reconciler sets the in-flight transaction aside (no call to Jumio for it) and goes on with the
    //    others; a purge still works.
    t = lateReplica;
    const unreadable = await t.http().get(`/v1/id-verifications/${old}`).set(bearer(BACKEND_KEY)).expect(503);
    expect(unreadable.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: [expect.stringContaining('cannot be decrypted with the configured data encryption keys')],
    });
    await t.http().get(oldMedia[0].href).set(bearer(BACKEND_KEY)).expect(503);
    await t.http().get('/v1/admin/transactions').set(bearer(ADMIN_KEY)).expect(503);
    expect(
      (await t.http().get(`/v1/document-verifications/${fresh}`).set(bearer(BACKEND_KEY)).expect(200)).body,
    ).toEqual(freshView);
    const callsBefore = t.simulator.requests({ reference: inFlight }).length;
    const another = newReference();
    await retrieve(t, 'authentications', another);
    expect(t.simulator.requests({ reference: inFlight })).toHaveLength(callsBefore);
    const [aside] = await t.dataSource.query(
      `SELECT state, last_error, lease_owner, lease_expires_at IS NOT NULL AS blocked FROM tracked_transaction WHERE reference = $1`,
      [inFlight],
    );
    expect(aside).toEqual({
      state: 'RECONCILING',
      last_error: expect.stringContaining('cannot be decrypted (UNKNOWN_KEY, key "A")'),
      lease_owner: null,
      blocked: true,
    });
    await t.http().get('/health/ready').expect(200);
    expect((await readFeedUntil(t, BACKEND_KEY, (events) => events.length > 0)).length).toBeGreaterThan(0);
    const purged = await t
      .http()
      .delete(`/v1/admin/transactions/id-verifications/${old}/personal-data`)
      .set(bearer(ADMIN_KEY))
      .expect(200);
    expect(purged.body).toMatchObject({ result: null, media: [], tracking: { state: 'PURGED' } });
    await t.close();

    // 4. "B,A" again (the key is back): the transaction set aside completes, its new data under B.
    await new Promise((r) => setTimeout(r, 1100)); // the 1-second block of step 3 has passed
    t = await start(`${KEY_B},${KEY_A}`, START + 3 * 86_400_000);
    await t.scheduler.drain();
    const done = (await t.http().get(`/v1/id-verifications/${inFlight}`).set(bearer(BACKEND_KEY)).expect(200)).body;
    expect(done.tracking).toMatchObject({ state: 'RETRIEVED', lastError: null });
    expect(await storedKeyIds(t.dataSource, inFlight)).toEqual({
      json: ['A', 'B', 'B', 'B'],
      media: done.media.map(() => 'B'),
    });
    const calls = (
      await t
        .http()
        .get(`/v1/admin/transactions/id-verifications/${inFlight}/attempts`)
        .set(bearer(ADMIN_KEY))
        .expect(200)
    ).body.items;
    expect(calls.map((c: { outcome: string }) => c.outcome)).not.toContain('LEASE_EXPIRED');
  });
});
