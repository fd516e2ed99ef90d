import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { CallbackInbox } from '../../src/engine/callbacks/callback-inbox';
import { DataCipher } from '../../src/engine/crypto/data-cipher';
import { ENCRYPTED_PLACES } from '../../src/engine/key-rotation/encrypted-places';
import { KEY_ROTATION_LOCK_KEY, KeyRotation } from '../../src/engine/key-rotation/key-rotation.service';
import { mediumContext } from '../../src/engine/media/media-store';
import { transactionColumnContext } from '../../src/engine/persistence/transaction-row-codec';
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
import { createTestDatabase } from '../support/test-database';
import { pollUntil } from '../support/poll-until';
import { ServiceProcess } from '../support/service-process';

const KEYS = {
  k1: Buffer.alloc(32, 11),
  k2: Buffer.alloc(32, 22),
  k3: Buffer.alloc(32, 33),
};
const keyList = (...ids: (keyof typeof KEYS)[]) => ids.map((id) => `${id}:${KEYS[id].toString('base64')}`).join(',');

const ROWS = 10_000;
/** Clones that also get the source's media (each medium is a value of its own, re-encrypted in smaller batches). */
const ROWS_WITH_MEDIA = 60;
const KIND = 'id-verifications';

interface Clone {
  reference: string;
  media: boolean;
}

const start = (databaseUrl: string, keys: string, simulator?: JumioSimulator) =>
  startTestApp({ databaseUrl, simulator, env: { DATA_ENCRYPTION_KEYS: keys } });

async function stats(t: TestApp): Promise<{ activeKeyId: string; valuesByKeyId: Record<string, number> }> {
  return (await t.http().get('/v1/admin/stats').set(bearer(ADMIN_KEY)).expect(200)).body.encryption;
}

/** A transaction retrieved for real (track, missed callback, status, details, media) from the simulator. */
async function retrieveOne(t: TestApp): Promise<{ id: string; reference: string; view: any }> {
  const reference = `a${randomUUID().slice(1)}`;
  t.simulator.script({ kind: 'scan', reference });
  await t
    .http()
    .post(`/v1/${KIND}`)
    .set(bearer(BACKEND_KEY))
    .send({ reference, acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: 0, merchantReference: 'order-1' })
    .expect(201);
  t.clock.advanceSeconds(40);
  await t.scheduler.drain();
  const view = (await t.http().get(`/v1/${KIND}/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  expect(view.tracking.state).toBe('RETRIEVED');
  const [{ id }] = await t.dataSource.query(`SELECT id::text AS id FROM tracked_transaction WHERE reference = $1`, [
    reference,
  ]);
  return { id, reference, view };
}

/**
 * `count` copies of a retrieved row, written by SQL (not 10,000 API calls): every plain column copied, the
 * encrypted ones encrypted again under `cipher` bound to each copy's id, and the source's media for the first
 * `withMedia` copies.
 */
async function cloneRows(
  ds: DataSource,
  cipher: DataCipher,
  sourceId: string,
  count: number,
  withMedia: number,
): Promise<Clone[]> {
  const columns: { column_name: string }[] = await ds.query(
    `SELECT column_name FROM information_schema.columns
      WHERE table_name = 'tracked_transaction' AND is_generated = 'NEVER' AND is_identity = 'NO'
        AND column_name NOT IN ('reference', 'raw_status', 'raw_details', 'raw_media_list', 'result', 'raw_callback')`,
  );
  const plain = columns.map((c) => c.column_name).join(', ');
  const [source] = await ds.query(
    `SELECT raw_status, raw_details, raw_media_list, result FROM tracked_transaction WHERE id = $1`,
    [sourceId],
  );
  const values: Record<string, unknown> = {};
  for (const column of ['raw_status', 'raw_details', 'raw_media_list', 'result'])
    values[column] = cipher.decryptJson(source[column], transactionColumnContext(sourceId, column));
  const media: {
    name: string;
    content_type: string;
    byte_size: number;
    sha256: string;
    content: Buffer;
    key_id: string;
  }[] = await ds.query(
    `SELECT name, content_type, byte_size, sha256, content, key_id FROM stored_medium WHERE transaction_id = $1`,
    [sourceId],
  );
  const clones: Clone[] = [];
  for (let done = 0; done < count; done += 2000) {
    const n = Math.min(2000, count - done);
    const rows: { id: string; reference: string }[] = await ds.query(
      `INSERT INTO tracked_transaction (reference, ${plain})
       SELECT gen_random_uuid(), ${plain} FROM tracked_transaction, generate_series(1, $2) WHERE id = $1
       RETURNING id::text AS id, reference::text AS reference`,
      [sourceId, n],
    );
    const encrypted = (column: string) =>
      rows.map((r) => JSON.stringify(cipher.encryptJson(values[column], transactionColumnContext(r.id, column))));
    await ds.query(
      `UPDATE tracked_transaction t SET raw_status = v.s::jsonb, raw_details = v.d::jsonb, raw_media_list = v.l::jsonb, result = v.r::jsonb
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS v(id, s, d, l, r) WHERE t.id = v.id`,
      [
        rows.map((r) => r.id),
        encrypted('raw_status'),
        encrypted('raw_details'),
        encrypted('raw_media_list'),
        encrypted('result'),
      ],
    );
    rows.forEach((r, i) => clones.push({ reference: r.reference, media: done + i < withMedia }));
    for (const r of rows.slice(0, Math.max(0, withMedia - done)))
      for (const m of media) {
        const bytes = cipher.decryptBytes(m.content, mediumContext(sourceId, m.name), m.key_id);
        await ds.query(
          `INSERT INTO stored_medium (transaction_id, name, content_type, byte_size, sha256, content, key_id, stored_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, now())`,
          [
            r.id,
            m.name,
            m.content_type,
            m.byte_size,
            m.sha256,
            cipher.encryptBytes(bytes, mediumContext(r.id, m.name)),
            cipher.activeKeyId,
          ],
        );
      }
  }
  return clones;
}

describe('key rotation: re-encryption under the new key, retiring the old one', () => {
  let database: { url: string; drop(): Promise<void> };
  let simulator: JumioSimulator;
  /** Tracked under k1 and still reconciling (its status stored, its details not yet): it completes while the job runs. */
  let reconciling: string;
  let source: { reference: string; view: any };
  let mediaNames: string[];
  let clones: Clone[];
  let callbackId: string;
  let total: number;
  const running: TestApp[] = [];
  const open = async (keys: string) => {
    const t = await start(database.url, keys, simulator);
    running.push(t);
    return t;
  };
  const close = async (t: TestApp) => {
    running.splice(running.indexOf(t), 1);
    await t.close();
  };

  /** Reads a view and, for a clone with media, every medium, through the API: they must equal the source's. */
  async function readBack(t: TestApp, clone: Clone): Promise<void> {
    const view = (await t.http().get(`/v1/${KIND}/${clone.reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
    expect(view.result).toEqual(source.view.result);
    if (!clone.media) return;
    for (const name of mediaNames) {
      const res = await t
        .http()
        .get(`/v1/${KIND}/${clone.reference}/media/${name}`)
        .set(bearer(BACKEND_KEY))
        .buffer(true)
        .parse(binaryParser as never)
        .expect(200);
      expect((res.body as Buffer).equals(expectedMedium('scan', source.reference, name).bytes)).toBe(true);
    }
  }

  const sample = (n: number): Clone[] => [
    ...clones.filter((c) => c.media).slice(0, 3),
    ...Array.from({ length: n }, () => clones[Math.floor(Math.random() * clones.length)]),
  ];

  beforeAll(async () => {
    database = await createTestDatabase();
    simulator = await JumioSimulator.start({ apiToken: JUMIO_TOKEN, apiSecret: JUMIO_SECRET });
    const t = await open(keyList('k1'));
    reconciling = `a${randomUUID().slice(1)}`;
    // Its status (final) is stored under k1; its details are refused once with a 429 of 10 minutes.
    simulator.script({
      kind: 'scan',
      reference: reconciling,
      faults: [{ endpoint: 'data', type: 'http429', retryAfterSeconds: 600, times: 1 }],
    });
    await t
      .http()
      .post(`/v1/${KIND}`)
      .set(bearer(BACKEND_KEY))
      .send({ reference: reconciling, acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: 0 })
      .expect(201);
    const retrieved = await retrieveOne(t);
    expect((await t.http().get(`/v1/${KIND}/${reconciling}`).set(bearer(BACKEND_KEY)).expect(200)).body).toMatchObject({
      status: 'DONE',
      tracking: { state: 'RECONCILING' },
    });
    source = retrieved;
    mediaNames = (retrieved.view.media as { name: string }[]).map((m) => m.name);
    expect(mediaNames.length).toBeGreaterThan(0);
    clones = await cloneRows(t.dataSource, t.app.get(DataCipher), retrieved.id, ROWS, ROWS_WITH_MEDIA);
    // A callback held in the inbox (never applied here): its body is encrypted too.
    ({ id: callbackId } = await t.app.get(CallbackInbox).store(
      {
        kind: KIND,
        reference: randomUUID(),
        body: 'transactionStatus=DONE&idFirstName=HELD-CALLBACK',
        identity: 'held-callback',
        sourceAddress: '127.0.0.1',
        datacenterHint: null,
        accountHint: null,
      },
      t.clock.now(),
    ));
    await close(t);
  }, 240_000);

  afterAll(async () => {
    for (const t of [...running]) await t.close().catch(() => undefined);
    await simulator?.close();
    await database?.drop();
  });

  it('counts every value under k1: payloads and results, media, the held callback body', async () => {
    const t = await open(keyList('k1'));
    const perRow = 4; // raw_status, raw_details, raw_media_list, result
    // The clones and their source, their media, the held callback body, the reconciling one's status.
    total = (ROWS + 1) * perRow + (ROWS_WITH_MEDIA + 1) * mediaNames.length + 1 + 1;
    expect(await stats(t)).toEqual({ activeKeyId: 'k1', valuesByKeyId: { k1: total } });
    // Nothing to re-encrypt: a batch finds no value under another key.
    expect(await t.app.get(KeyRotation).runBatch()).toEqual({ reencrypted: 0, busy: false });
    await close(t);
  }, 60_000);

  it('with k2,k1 every value moves to k2 batch by batch, readable at every moment; a crash half-way resumes', async () => {
    const first = await open(keyList('k2', 'k1'));
    expect(await stats(first)).toEqual({ activeKeyId: 'k2', valuesByKeyId: { k2: 0, k1: total } });
    const rotation = first.app.get(KeyRotation);

    // A reader alongside: views and media through the API, all the time the batches run.
    let rotating = true;
    let reads = 0;
    const reader = (async () => {
      while (rotating) {
        for (const clone of sample(5)) await readBack(first, clone);
        reads++;
      }
    })();

    // Batches of 700 values; after each one, every value is under exactly one key and the sample reads.
    let batches = 0;
    while (batches < 30) {
      const { reencrypted } = await rotation.runBatch(700);
      expect(reencrypted).toBeGreaterThan(0);
      batches++;
      const { valuesByKeyId } = await stats(first);
      expect(valuesByKeyId.k1 + valuesByKeyId.k2).toBe(total);
      for (const clone of sample(2)) await readBack(first, clone);
    }
    rotating = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    const halfWay = (await stats(first)).valuesByKeyId;
    expect(halfWay.k1).toBeGreaterThan(0);
    expect(halfWay.k2).toBe(total - halfWay.k1);

    // A batch that fails after writing some values (a crash inside its transaction) leaves nothing of itself.
    // The first place that writes something throws right after its write, inside the batch's transaction.
    const spies = ENCRYPTED_PLACES.map((place) => {
      const original = place.reencrypt.bind(place);
      return jest.spyOn(place, 'reencrypt').mockImplementation(async (...args) => {
        const done = await original(...args);
        if (done.written > 0) throw new Error('the process died half-way through the batch');
        return done;
      });
    });
    await expect(rotation.runBatch(700)).rejects.toThrow('half-way');
    for (const spy of spies) spy.mockRestore();
    first.clock.advanceSeconds(10); // past the counts' reuse: counted afresh
    expect((await stats(first)).valuesByKeyId).toEqual(halfWay);

    // The replica stops between batches; another one on the same database takes over from what the rows say.
    await close(first);
    const second = await open(keyList('k2', 'k1'));
    expect((await stats(second)).valuesByKeyId).toEqual(halfWay);
    // The rest, while the reconciler completes the transaction it left RECONCILING under k1 (its status is
    // re-encrypted by whichever comes first: the job, or the step that stores its details under k2).
    second.clock.advanceSeconds(3600);
    const [rest] = await Promise.all([second.app.get(KeyRotation).drain(), second.scheduler.drain()]);
    expect(rest + (await second.app.get(KeyRotation).drain())).toBeGreaterThanOrEqual(halfWay.k1 - 1);
    const completed = (await second.http().get(`/v1/${KIND}/${reconciling}`).set(bearer(BACKEND_KEY)).expect(200)).body;
    expect(completed).toMatchObject({ status: 'DONE', tracking: { state: 'RETRIEVED' } });
    expect(completed.result).not.toBeNull();
    for (const m of completed.media as { href: string }[])
      await second.http().get(m.href).set(bearer(BACKEND_KEY)).expect(200);
    // Its details, media list, result and media were added, all under k2.
    total += 3 + (completed.media as unknown[]).length;
    expect(await stats(second)).toEqual({ activeKeyId: 'k2', valuesByKeyId: { k2: total, k1: 0 } });
    const metrics = (await second.http().get('/metrics').expect(200)).text;
    expect(metrics).toContain(`jumio_fallback_encrypted_values{key_id="k2"} ${total}`);
    expect(metrics).toContain('jumio_fallback_encrypted_values{key_id="k1"} 0');
    for (const clone of sample(20)) await readBack(second, clone);
    const held = await second.dataSource.transaction((m) => second.app.get(CallbackInbox).lock(m, callbackId));
    expect(held?.body).toBe('transactionStatus=DONE&idFirstName=HELD-CALLBACK');
    await close(second);
  }, 600_000);

  it('then k2 alone starts and reads everything; k3 alone is refused, naming k2 and how many values need it', async () => {
    const alone = await open(keyList('k2'));
    expect(await stats(alone)).toEqual({ activeKeyId: 'k2', valuesByKeyId: { k2: total } });
    for (const clone of sample(10)) await readBack(alone, clone);
    await close(alone);

    await expect(start(database.url, keyList('k3'))).rejects.toThrow(
      `DATA_ENCRYPTION_KEYS lacks key "k2" (${total} stored values) still encrypting stored data`,
    );
  }, 120_000);

  it('one replica at a time: a batch does nothing while another replica holds the job', async () => {
    const a = await open(keyList('k3', 'k2'));
    const other = await a.dataSource.createQueryRunner();
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1)', [KEY_ROTATION_LOCK_KEY]);
      expect(await a.app.get(KeyRotation).runBatch(500)).toEqual({ reencrypted: 0, busy: true });
      expect((await stats(a)).valuesByKeyId).toEqual({ k3: 0, k2: total });
      await other.query('SELECT pg_advisory_unlock($1)', [KEY_ROTATION_LOCK_KEY]);
      expect(await a.app.get(KeyRotation).runBatch(500)).toEqual({ reencrypted: 500, busy: false });
      expect((await stats(a)).valuesByKeyId).toEqual({ k3: 500, k2: total - 500 });
    } finally {
      await other.release();
    }
    await close(a);
  }, 120_000);

  it('a medium another transaction holds is skipped, not waited for or counted as the end: the batch takes the next ones', async () => {
    const a = await open(keyList('k3', 'k2'));
    const key = (r: { transaction_id: string; name: string }) => `${r.transaction_id}/${r.name}`;
    const underK2: { transaction_id: string; name: string }[] = await a.dataSource.query(
      `SELECT transaction_id::text AS transaction_id, name FROM stored_medium WHERE key_id = 'k2'
        ORDER BY transaction_id DESC, name`,
    );
    expect(underK2.length).toBeGreaterThan(4);
    // Every medium under k2 is held by another transaction but the newest transaction's first two.
    const free = underK2.slice(0, 2).map(key);
    const other = a.dataSource.createQueryRunner();
    await other.connect();
    try {
      await other.startTransaction();
      await other.query(
        `SELECT 1 FROM stored_medium WHERE key_id = 'k2' AND transaction_id::text || '/' || name <> ALL($1::text[])
           FOR UPDATE`,
        [free],
      );
      const media = ENCRYPTED_PLACES.find((p) => p.name === 'stored_medium.content')!;
      const batch = await a.dataSource.transaction((m) =>
        media.reencrypt(m, a.app.get(DataCipher), ['k2'], 2, new Set()),
      );
      expect(batch).toEqual({ written: 2, unreadable: [] });
      const moved: { transaction_id: string; name: string }[] = await a.dataSource.query(
        `SELECT transaction_id::text AS transaction_id, name FROM stored_medium WHERE key_id = 'k3'`,
      );
      expect(moved.map(key).sort()).toEqual([...free].sort());
    } finally {
      await other.rollbackTransaction();
      await other.release();
    }
    await close(a);
  }, 120_000);
});

/**
 * The job in a real replica (the built service, its own interval and pace) killed with SIGKILL while it
 * re-encrypts: every value is under exactly one key and readable, and another replica finishes the job. The built
 * service then refuses, in one fatal line, to start without the key that now encrypts everything.
 */
describe('key rotation: a replica killed mid-way', () => {
  const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'main.js');

  it('SIGKILL half-way: nothing lost or half-written, the next replica resumes; a start without k2 is refused', async () => {
    const database = await createTestDatabase();
    const db = new Client({ connectionString: database.url });
    let replica: ServiceProcess | undefined;
    const apps: TestApp[] = [];
    try {
      const seed = await startTestApp({ databaseUrl: database.url, env: { DATA_ENCRYPTION_KEYS: keyList('k1') } });
      apps.push(seed);
      const source = await retrieveOne(seed);
      const clones = await cloneRows(seed.dataSource, seed.app.get(DataCipher), source.id, 3000, 20);
      const mediaCount = (source.view.media as unknown[]).length;
      const total = 3001 * 4 + 21 * mediaCount;
      await seed.close();
      apps.pop();
      await db.connect();
      const underK1 = async () =>
        Number(
          (
            await db.query(
              `SELECT (SELECT count(*) FROM tracked_transaction WHERE raw_status_key_id = 'k1')
                    + (SELECT count(*) FROM tracked_transaction WHERE raw_details_key_id = 'k1')
                    + (SELECT count(*) FROM tracked_transaction WHERE raw_media_list_key_id = 'k1')
                    + (SELECT count(*) FROM tracked_transaction WHERE result_key_id = 'k1')
                    + (SELECT count(*) FROM stored_medium WHERE key_id = 'k1') AS n`,
            )
          ).rows[0].n,
        );
      expect(await underK1()).toBe(total);

      replica = await ServiceProcess.start(database.url, seed.simulator.url, {
        DATA_ENCRYPTION_KEYS: keyList('k2', 'k1'),
        KEY_ROTATION_BATCH_SIZE: '100',
        KEY_ROTATION_INTERVAL_MS: '20',
      });
      await pollUntil(async () => (await underK1()) < total * 0.7, 60_000, 'a third re-encrypted');
      replica.kill('SIGKILL');
      expect((await replica.exited).signal).toBe('SIGKILL');
      const left = await underK1();
      expect(left).toBeGreaterThan(0);

      const next = await startTestApp({
        databaseUrl: database.url,
        env: { DATA_ENCRYPTION_KEYS: keyList('k2', 'k1') },
      });
      apps.push(next);
      expect((await stats(next)).valuesByKeyId).toEqual({ k2: total - left, k1: left });
      expect(await next.app.get(KeyRotation).drain()).toBe(left);
      expect((await stats(next)).valuesByKeyId).toEqual({ k2: total, k1: 0 });
      // Every row reads: the view of each clone, the media of those that have them.
      const rows: { id: string; reference: string }[] = await next.dataSource.query(
        `SELECT id::text AS id, reference::text AS reference FROM tracked_transaction`,
      );
      const cipher = next.app.get(DataCipher);
      const full: { id: string; raw_details: unknown }[] = await next.dataSource.query(
        `SELECT id::text AS id, raw_details FROM tracked_transaction`,
      );
      for (const r of full)
        expect(() => cipher.decryptJson(r.raw_details, transactionColumnContext(r.id, 'raw_details'))).not.toThrow();
      expect(rows).toHaveLength(3001);
      for (const clone of clones.filter((c) => c.media))
        for (const m of source.view.media as { name: string }[])
          await next.http().get(`/v1/${KIND}/${clone.reference}/media/${m.name}`).set(bearer(BACKEND_KEY)).expect(200);
      await next.close();
      apps.pop();

      const refused = spawnSync(process.execPath, [MAIN], {
        env: {
          PATH: process.env.PATH ?? '',
          SANDBOX: 'false',
          DATABASE_URL: database.url,
          API_KEYS: `test-ops:admin:${ADMIN_KEY}`,
          JUMIO_API_TOKEN: 'token',
          JUMIO_API_SECRET: 'secret',
          JUMIO_USER_AGENT: 'KeyRotationTest/1.0',
          DATA_ENCRYPTION_KEYS: keyList('k1'),
          LOG_LEVEL: 'warn',
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(refused.status).toBe(1);
      const fatal = refused.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .filter((entry) => entry.level === 60);
      expect(fatal.map((entry) => entry.msg)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^start-up failed: DATA_ENCRYPTION_KEYS lacks key "k2" \\(${total} stored values\\) still encrypting`,
          ),
        ),
      ]);
    } finally {
      replica?.kill('SIGKILL');
      for (const t of apps) await t.close().catch(() => undefined);
      await db.end().catch(() => undefined);
      await database.drop();
    }
  }, 300_000);
});
