import type { TransactionPlan } from './simulator-scripts.js';
import type { SimulatorKind } from './simulator-types.js';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Behaviour of a UUID reference that no test scripted, chosen by its LAST hex digit, so that a sandbox demo can
 * produce every outcome just by picking references:
 *
 * | digit | scan (ID Verification)                         | document (DV)                     | authentication       |
 * |-------|------------------------------------------------|-----------------------------------|----------------------|
 * | 0-7   | PENDING for (digit % 3) polls, then DONE, APPROVED_VERIFIED, front/back/face, 2 liveness, facemap | same pending, then DONE, EXTRACTED CC, pages 1 and 101, original PDF | same pending (STARTED), then PASSED, face + 2 liveness |
 * | 8     | DONE, DENIED_FRAUD, reject 100 with an ARRAY of 2 details | DONE, DISCARDED              | FAILED               |
 * | 9     | DONE, ERROR_NOT_READABLE_ID, reject 200 with ONE details OBJECT | DONE, UPLOADED (not extracted) | INVALID        |
 * | a     | FAILED, NO_ID_UPLOADED, no images              | FAILED, no document, no pages     | EXPIRED, no images   |
 * | b     | 404 on every call                              | 404                               | 404                  |
 * | c     | PENDING forever                                | PENDING forever                   | STARTED forever      |
 * | d     | DONE, approved, quirks, images as ONE object (front only) | quirks, pages as one object (page 1) | quirks, images as one object |
 * | e     | DONE, approved, quirks, images as an array     | quirks, pages array [1, 101]      | quirks, images array |
 * | f     | DONE, DENIED_FRAUD with unknown reject code "199", quirks | as e                     | as e                 |
 *
 * Digits 8 to f answer their final status on the first poll. Upper-case hex digits count the same; the pending
 * count is kept per (kind, reference) for the life of the process (until reset()).
 */
export function derivePlan(kind: SimulatorKind, reference: string): TransactionPlan | null {
  if (!UUID_PATTERN.test(reference)) return null;
  const digit = parseInt(reference.slice(-1), 16);
  const plan: TransactionPlan = {
    kind,
    reference,
    scripted: false,
    pendingPolls: 0,
    final: kind === 'authentication' ? 'PASSED' : 'DONE',
    flavour: 'approved',
    quirks: false,
    livenessCount: 2,
    facemap: true,
    pages: [1, 101],
    documentType: 'CC',
    originalDocument: true,
    allowUnmasked: false,
    imagesAsObject: false,
    rejectReasonCode: null,
    firstName: null,
    lastName: null,
  };
  const auth = kind === 'authentication';
  if (digit <= 7) {
    plan.pendingPolls = digit % 3;
  } else if (digit === 8) {
    plan.flavour = 'rejected';
    if (auth) plan.final = 'FAILED';
  } else if (digit === 9) {
    plan.flavour = 'not-readable';
    if (auth) plan.final = 'INVALID';
  } else if (digit === 0xa) {
    plan.final = auth ? 'EXPIRED' : 'FAILED';
  } else if (digit === 0xb) {
    plan.final = 'NOT_FOUND';
  } else if (digit === 0xc) {
    plan.pendingPolls = Infinity;
  } else {
    plan.quirks = true;
    plan.imagesAsObject = digit === 0xd;
    if (plan.imagesAsObject && kind === 'document') plan.pages = [1];
    if (digit === 0xf && kind === 'scan') {
      plan.flavour = 'rejected';
      plan.rejectReasonCode = '199';
    }
  }
  return plan;
}
