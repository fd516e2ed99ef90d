import { randomUUID } from 'node:crypto';
import { DataCipher } from '../../src/engine/crypto/data-cipher';
import { MediaStore } from '../../src/engine/media/media-store';
import { TrackedTransactionRepository } from '../../src/engine/persistence/tracked-transaction.repository';
import { toView } from '../../src/engine/tracking/tracking-view';
import { BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

/**
 * GET /v1/{kind}/{reference} reads the row and its media list in one statement (TrackedTransactionRepository.findView)
 * instead of the entity read and MediaStore.list: the answer must stay exactly what those gave.
 */
describe('the view read in one statement', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  /** The view as it was built before: the entity read (decrypted) and the media store's list. */
  async function viewTheOldWay(kind: 'id-verifications', reference: string) {
    const row = await t.app.get(TrackedTransactionRepository).find(kind, reference);
    return toView(row!, await t.app.get(MediaStore).list(row!.id));
  }

  async function track(reference: string): Promise<string> {
    await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({
        reference,
        acquiredAt: t.clock.now().toISOString(),
        merchantReference: 'order-7',
        customerReference: 'user-7',
      })
      .expect(201);
    const [{ id }] = await t.dataSource.query(`SELECT id::text AS id FROM tracked_transaction WHERE reference = $1`, [
      reference,
    ]);
    return id;
  }

  async function addMedium(id: string, name: string, contentType: string, bytes: number): Promise<void> {
    await t.dataSource.query(
      `INSERT INTO stored_medium (transaction_id, name, content_type, byte_size, sha256, content, key_id, stored_at)
       VALUES ($1, $2, $3, $4, repeat('0', 64), '\\x00'::bytea, NULL, now())`,
      [id, name, contentType, bytes],
    );
  }

  it('decrypts the result, lists media in the view order, and equals the entity read + media list byte for byte', async () => {
    const reference = randomUUID();
    const id = await track(reference);
    const result = {
      document: { firstName: 'JANE', lastName: 'DOE' },
      transaction: { status: 'DONE' },
      verification: {
        mrzCheck: null,
        identityVerification: { similarity: 'MATCH', validity: true },
        rejectReason: null,
        additionalChecks: null,
      },
    };
    const stored = t.app.get(DataCipher).encryptJson(result, `tracked_transaction:${id}:result`);
    await t.dataSource.query(
      `UPDATE tracked_transaction SET result = $2::jsonb, state = 'RETRIEVED', status = 'DONE', retrieved_at = now(), attempts = 3,
              last_attempt_at = now(), last_error = 'an earlier timeout' WHERE id = $1`,
      [id, JSON.stringify(stored)],
    );
    // Inserted out of order: the view lists front, back, face, then the rest by name, numbers in numeric order.
    for (const [name, type, bytes] of [
      ['liveness-10', 'image/jpeg', 10],
      ['facemap', 'application/octet-stream', 5],
      ['liveness-2', 'image/jpeg', 2],
      ['face', 'image/jpeg', 3],
      ['back', 'image/png', 4],
      ['front', 'image/jpeg', 48211],
    ] as const) {
      await addMedium(id, name, type, bytes);
    }

    const res = await t
      .http()
      .get(`/v1/id-verifications/${reference.toUpperCase()}`)
      .set(bearer(BACKEND_KEY))
      .expect(200);
    expect(res.body.result).toEqual(result);
    expect(res.body.media.map((m: { name: string }) => m.name)).toEqual([
      'front',
      'back',
      'face',
      'facemap',
      'liveness-2',
      'liveness-10',
    ]);
    expect(res.body.media[0]).toEqual({
      name: 'front',
      contentType: 'image/jpeg',
      bytes: 48211,
      href: `/v1/id-verifications/${reference}/media/front`,
    });
    expect(res.text).toBe(JSON.stringify(await viewTheOldWay('id-verifications', reference)));
  });

  it('reads a value stored before encryption as it is, and a transaction without media with an empty list', async () => {
    const reference = randomUUID();
    const id = await track(reference);
    const plain = {
      document: {},
      transaction: {},
      verification: { mrzCheck: null, identityVerification: null, rejectReason: null, additionalChecks: null },
    };
    await t.dataSource.query(`UPDATE tracked_transaction SET result = $2::jsonb WHERE id = $1`, [
      id,
      JSON.stringify(plain),
    ]);
    const res = await t.http().get(`/v1/id-verifications/${reference}`).set(bearer(BACKEND_KEY)).expect(200);
    expect(res.body.result).toEqual(plain);
    expect(res.body.media).toEqual([]);
    expect(res.text).toBe(JSON.stringify(await viewTheOldWay('id-verifications', reference)));
  });

  it('answers 400 for a reference that is not a UUID, and documents the path parameter once', async () => {
    for (const bad of ['1234', 'x'.repeat(36), `${randomUUID()}0`]) {
      const res = await t.http().get(`/v1/id-verifications/${bad}`).set(bearer(BACKEND_KEY)).expect(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: ['reference must be a UUID'] });
    }
    const doc = (await t.http().get('/docs/openapi.json').expect(200)).body;
    const params = doc.paths['/v1/id-verifications/{reference}'].get.parameters;
    expect(params).toEqual([
      expect.objectContaining({
        name: 'reference',
        in: 'path',
        required: true,
        schema: expect.objectContaining({ format: 'uuid' }),
      }),
    ]);
  });

  it("answers 404 with the contract's error shape for a reference nobody tracks, and for another kind's reference", async () => {
    const unknown = randomUUID();
    const res = await t.http().get(`/v1/id-verifications/${unknown}`).set(bearer(BACKEND_KEY)).expect(404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: [expect.stringContaining(`${unknown} is not tracked`)],
    });
    const tracked = randomUUID();
    await track(tracked);
    await t.http().get(`/v1/authentications/${tracked}`).set(bearer(BACKEND_KEY)).expect(404);
  });
});
