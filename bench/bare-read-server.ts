/**
 * Benchmark 4's reference: `GET /v1/{kind}/{reference}` with nothing but node:http and pg. The same work as the
 * service's read: check the bearer key, SELECT the row by (kind, reference) with its media list (without the
 * bytes) in one statement, as the service does, answer the same view as JSON. No framework, no validation pipe, no logging, no metrics.
 *
 *   DATABASE_URL=... BEARER=... node dist-bench/bench/bare-read-server.js   -> prints "ready <port>"
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';

const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: 20,
  application_name: 'jumio-fallback-bench-bare',
});
const bearer = `Bearer ${process.env.BEARER ?? ''}`;
const ROUTE = /^\/v1\/(id-verifications|document-verifications|authentications)\/([0-9a-fA-F-]{36})$/;
const iso = (d: Date | null) => (d === null ? null : d.toISOString());
/** The service's order of media in a view (MediaStore's byMediumName): front, back, face, then by name. */
const rank = (n: string) => ['front', 'back', 'face'].indexOf(n) + 1 || 4;
const byMediumName = (a: { name: string }, b: { name: string }) =>
  rank(a.name) - rank(b.name) || a.name.localeCompare(b.name, 'en', { numeric: true });

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
  });
  res.end(json);
}

const server = http.createServer((req, res) => {
  const m = ROUTE.exec(req.url ?? '');
  if (req.method !== 'GET' || !m) return send(res, 404, { statusCode: 404, message: ['not found'] });
  if (req.headers.authorization !== bearer) return send(res, 401, { statusCode: 401, message: ['unauthorized'] });
  const [, kind, reference] = m;
  (async () => {
    // One statement, as the service reads a view (TrackedTransactionRepository.findView): the view's columns and the
    // media list, prepared as the service's is.
    const { rows } = await pool.query({
      name: 'bare_view',
      text: `SELECT t.id, t.kind, t.reference, t.datacenter, t.merchant_reference, t.customer_reference, t.acquired_at, t.callback_deadline,
              t.state, t.status, t.callback_received_at, t.attempts, t.last_attempt_at, t.next_attempt_at, t.last_error, t.result,
              t.retrieved_at, t.purged_at, t.created_at, t.updated_at,
              (SELECT coalesce(json_agg(json_build_object('name', m.name, 'content_type', m.content_type, 'byte_size', m.byte_size)), '[]'::json)
                      FROM stored_medium m WHERE m.transaction_id = t.id) AS media
         FROM tracked_transaction t WHERE t.kind = $1::text AND t.reference = $2::uuid`,
      values: [kind, reference.toLowerCase()],
    });
    const row = rows[0];
    if (!row) return send(res, 404, { statusCode: 404, message: [`${kind} ${reference} is not tracked`] });
    const media = (row.media as { name: string; content_type: string; byte_size: number }[]).sort(byMediumName);
    send(res, 200, {
      kind: row.kind,
      reference: row.reference,
      datacenter: row.datacenter,
      merchantReference: row.merchant_reference,
      customerReference: row.customer_reference,
      acquiredAt: iso(row.acquired_at),
      status: row.status,
      tracking: {
        state: row.state,
        callbackDeadline: iso(row.callback_deadline),
        callbackReceivedAt: iso(row.callback_received_at),
        attempts: row.attempts,
        lastAttemptAt: iso(row.last_attempt_at),
        nextAttemptAt: row.state === 'RECONCILING' ? iso(row.next_attempt_at) : null,
        lastError: row.last_error,
      },
      result: row.result,
      media: media.map((x) => ({
        name: x.name,
        contentType: x.content_type,
        bytes: x.byte_size,
        href: `/v1/${kind}/${row.reference}/media/${x.name}`,
      })),
      retrievedAt: iso(row.retrieved_at),
      updatedAt: iso(row.updated_at),
    });
  })().catch((e: unknown) => send(res, 500, { statusCode: 500, message: [String(e)] }));
});

server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`));
const stop = () => {
  server.close(() => pool.end().then(() => process.exit(0)));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
