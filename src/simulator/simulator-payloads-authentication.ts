import { hasAuthFace, href, livenessNumbers, Persona, timestamp, withQuirkFields } from './simulator-payloads.js';
import type { Json, PayloadContext, StatusAnswer } from './simulator-payloads.js';

/** Authentication: the status answer is the whole record (no `timestamp`), with its image hrefs once final. */
export function authenticationStatus(ctx: PayloadContext, settled: boolean): StatusAnswer {
  const { plan } = ctx;
  const p = new Persona(plan);
  const result = settled ? plan.final : 'STARTED';
  const body: Json = {
    transactionReference: plan.reference,
    enrollmentTransactionReference: p.uuid('enrollment'),
    transactionResult: result,
    transactionDate: timestamp(ctx, 'authDate', p.createdAt()),
    scanSource: plan.quirks ? 'WEB' : 'SDK',
    userReference: `USER-${p.tag}`,
  };
  if (settled && hasAuthFace(plan)) {
    const face = { classifier: 'face', href: href(ctx, `/authentications/${plan.reference}/images/face`, 0) };
    body.images = plan.imagesAsObject ? face : [face];
    const liveness = livenessNumbers(plan).map((n, i) =>
      href(ctx, `/authentications/${plan.reference}/images/liveness/${n}`, 1 + i),
    );
    if (liveness.length > 0) body.livenessImages = liveness;
  }
  return { body: withQuirkFields(ctx, body), jumioStatus: result };
}
