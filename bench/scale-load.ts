/**
 * The table of benchmarks 3 and 4: tracked transactions grown in steps (1,000, then 100,000, then 1,000,000) in
 * one database, with INSERT ... SELECT generate_series.
 *
 *   - 30 % RETRIEVED (status DONE, a result of about 0.5 KB, raw payloads, next_attempt_at NULL); a third of
 *     them (id % 10 = 0) have three stored media (front, back, face, 256 bytes each);
 *   - 70 % not due yet: half AWAITING_CALLBACK (deadline 1 to 2 hours ahead), half RECONCILING (next attempt
 *     1 to 25 hours ahead): all of them are in the claim's partial index tracked_transaction_due;
 *   - exactly DUE_ROWS of the RECONCILING ones are overdue (0 to 10 minutes).
 *
 * References are version-4 shaped UUIDs (the API validates them). Kinds 60 % ID Verification, 25 % Document Verification, 15 % Authentication. No attempt log, no change feed
 * (neither is read by the claim or the view).
 */
import type { Client } from 'pg';

export const DUE_ROWS = 300;

export async function growTo(c: Client, from: number, to: number): Promise<void> {
  if (to <= from) return;
  await c.query(`SELECT setseed(0.17)`);
  await c.query(
    `INSERT INTO tracked_transaction (kind, reference, datacenter, merchant_reference, customer_reference, acquired_at, callback_grace_seconds,
       callback_deadline, state, status, jumio_status_raw, reconcile_started_at, attempts, last_attempt_at, next_attempt_at,
       raw_status, raw_details, raw_media_list, media_plan, result, retrieved_at, personal_data_at, created_at, updated_at)
     SELECT kind, reference, 'EU', 'order-' || n, 'user-' || (n / 4), acquired_at, 300, acquired_at + interval '300 seconds', state,
            CASE WHEN retrieved THEN 'DONE' WHEN state = 'RECONCILING' THEN 'PENDING' ELSE 'UNKNOWN' END,
            CASE WHEN retrieved THEN 'DONE' END,
            CASE WHEN state <> 'AWAITING_CALLBACK' THEN acquired_at + interval '300 seconds' END,
            CASE WHEN state = 'AWAITING_CALLBACK' THEN 0 ELSE 1 + (r * 3)::int END,
            CASE WHEN state <> 'AWAITING_CALLBACK' THEN acquired_at + interval '340 seconds' END,
            CASE WHEN state = 'AWAITING_CALLBACK' THEN now() + interval '1 hour' + r * interval '1 hour'
                 WHEN state = 'RECONCILING' THEN now() + interval '1 hour' + r * interval '24 hours' END,
            CASE WHEN retrieved THEN jsonb_build_object('status', 'DONE', 'scanReference', reference, 'timestamp', acquired_at) END,
            CASE WHEN retrieved THEN jsonb_build_object('document', jsonb_build_object('firstName', 'JANE-' || n, 'lastName', 'DOE-' || n,
                   'dob', '1980-01-01', 'number', lpad(n::text, 9, '0'), 'type', 'ID_CARD', 'issuingCountry', 'AUT'),
                   'transaction', jsonb_build_object('customerId', 'CUSTOMER-' || n, 'source', 'WEB_UPLOAD', 'status', 'DONE'),
                   'verification', jsonb_build_object('mrzCheck', 'OK', 'identityVerification', jsonb_build_object('similarity', 'MATCH', 'validity', 'true'))) END,
            CASE WHEN retrieved THEN jsonb_build_object('images', jsonb_build_array(
                   jsonb_build_object('classifier', 'front', 'href', 'https://lon.netverify.com/api/netverify/v2/scans/' || reference || '/images/front'))) END,
            CASE WHEN retrieved THEN jsonb_build_array(
                   jsonb_build_object('name', 'front', 'href', 'https://lon.netverify.com/api/netverify/v2/scans/' || reference || '/images/front', 'mediumClass', 'image', 'outcome', 'STORED', 'reason', null)) END,
            CASE WHEN retrieved THEN jsonb_build_object(
                   'document', jsonb_build_object('type', 'ID_CARD', 'issuingCountry', 'AUT', 'firstName', 'JANE-' || n, 'lastName', 'DOE-' || n,
                     'dob', '1980-01-01', 'expiry', '2031-01-01', 'number', lpad(n::text, 9, '0'), 'address', jsonb_build_object('line1', n || ' EASY STREET', 'city', 'VIENNA')),
                   'transaction', jsonb_build_object('date', acquired_at, 'source', 'WEB_UPLOAD', 'customerId', 'CUSTOMER-' || n, 'merchantScanReference', 'MERCHANT-' || n),
                   'verification', jsonb_build_object('mrzCheck', 'OK', 'rejectReason', null, 'identityVerification', jsonb_build_object('similarity', 'MATCH', 'validity', true))) END,
            CASE WHEN retrieved THEN acquired_at + interval '345 seconds' END,
            CASE WHEN retrieved THEN acquired_at + interval '341 seconds' END,
            acquired_at, acquired_at + interval '345 seconds'
       FROM (SELECT n, r, reference, acquired_at, state = 'RETRIEVED' AS retrieved, state,
                    CASE WHEN n % 20 < 12 THEN 'id-verifications' WHEN n % 20 < 17 THEN 'document-verifications' ELSE 'authentications' END AS kind
               FROM (SELECT n, random() AS r, overlay(overlay(md5('scale-' || n) placing '4' from 13) placing substr('89ab', n % 4 + 1, 1) from 17)::uuid AS reference,
                            now() - interval '2 days' + (n::float8 / $2) * interval '1 day' AS acquired_at,
                            CASE WHEN n % 10 < 3 THEN 'RETRIEVED' WHEN n % 10 < 6 THEN 'AWAITING_CALLBACK' ELSE 'RECONCILING' END AS state
                       FROM generate_series($1::int + 1, $2::int) n) g) k`,
    [from, to],
  );
  await c.query(
    `INSERT INTO stored_medium (transaction_id, name, content_type, byte_size, sha256, content, stored_at)
     SELECT t.id, m.name, 'image/jpeg', 256, md5(t.id || m.name) || md5(m.name || t.id), decode(repeat(md5(t.id || m.name), 16), 'hex'), t.retrieved_at
       FROM tracked_transaction t CROSS JOIN (VALUES ('front'), ('back'), ('face')) m(name)
      WHERE t.id > $1 AND t.state = 'RETRIEVED' AND t.id % 10 = 0`,
    [from],
  );
  // Exactly DUE_ROWS overdue, whatever the size.
  await c.query(
    `UPDATE tracked_transaction SET next_attempt_at = now() + interval '1 hour' + random() * interval '24 hours'
      WHERE next_attempt_at <= now() + interval '50 minutes'`,
  );
  await c.query(
    `UPDATE tracked_transaction SET next_attempt_at = now() - random() * interval '10 minutes'
      WHERE id IN (SELECT id FROM tracked_transaction WHERE state = 'RECONCILING' ORDER BY id LIMIT $1)`,
    [DUE_ROWS],
  );
  await c.query(`VACUUM ANALYZE tracked_transaction`);
  await c.query(`VACUUM ANALYZE stored_medium`);
}

/** References (of one kind) that have stored media: what the read benchmark asks for. */
export async function readTargets(c: Client, count: number): Promise<{ kind: string; reference: string }[]> {
  const { rows } = await c.query(
    `SELECT t.kind, t.reference::text AS reference FROM tracked_transaction t
      WHERE t.kind = 'id-verifications' AND t.state = 'RETRIEVED' AND t.id % 10 = 0
      ORDER BY md5(t.id::text) LIMIT $1`,
    [count],
  );
  return rows;
}
