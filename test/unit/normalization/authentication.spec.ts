import {
  authenticationMediaRefs,
  normalizeAuthentication,
  readAuthenticationStatus,
} from '../../../src/products/authentication/normalization/authentication.normalizer.js';
import {
  AUTH_REF,
  authenticationDetails,
  contextFor,
  ENROLLMENT_REF,
  expectPayloadError,
  JUMIO_HOSTS,
  PLANTED,
} from './fixtures.js';

const ctx = contextFor('authentications', AUTH_REF);
const normalize = (details: unknown) => normalizeAuthentication(details, ctx);
const A = `${JUMIO_HOSTS.AUTHS}/${AUTH_REF}`;

describe('authentication normalization', () => {
  describe('readAuthenticationStatus', () => {
    it.each([['CREATED'], ['STARTED']])('%s is not final (PENDING)', (transactionResult) => {
      const details = { ...authenticationDetails(), transactionResult };
      expect(readAuthenticationStatus(details)).toEqual({ final: false, status: 'PENDING', raw: transactionResult });
    });

    it.each([['PASSED'], ['FAILED'], ['INVALID'], ['EXPIRED']])(
      '%s is final and shows as DONE',
      (transactionResult) => {
        const details = { ...authenticationDetails(), transactionResult };
        expect(readAuthenticationStatus(details)).toEqual({ final: true, status: 'DONE', raw: transactionResult });
      },
    );

    it('an unknown transactionResult is not final, never an error', () => {
      expect(readAuthenticationStatus({ transactionResult: 'ON_HOLD' })).toEqual({
        final: false,
        status: 'PENDING',
        raw: 'ON_HOLD',
      });
    });

    it.each([
      ['null', null],
      ['an array', [authenticationDetails()]],
      ['a string', PLANTED[0]],
      ['a number', 4711],
    ])('a payload that is %s → JumioPayloadError', (_label, payload) => {
      expectPayloadError(() => readAuthenticationStatus(payload), 'authentication details');
    });

    it('transactionResult missing or a number → JumioPayloadError without the value', () => {
      const details = authenticationDetails();
      delete details.transactionResult;
      expectPayloadError(() => readAuthenticationStatus(details), '"transactionResult" is missing');
      const message = expectPayloadError(
        () => readAuthenticationStatus({ transactionResult: 4711 }),
        '"transactionResult"',
      );
      expect(message).not.toContain('4711');
    });
  });

  describe('normalizeAuthentication', () => {
    it('the guide example: zone-less transactionDate read as UTC, references and media not copied', () => {
      const result = normalize(authenticationDetails());
      expect(result).toEqual({
        transactionResult: 'PASSED',
        enrollmentTransactionReference: ENROLLMENT_REF,
        transactionDate: '2019-05-23T14:32:27.534Z',
        scanSource: 'SDK',
        userReference: 'USERREFERENCE',
      });
      expect(JSON.stringify(result)).not.toContain('http');
    });

    it.each([
      ['2019-05-23T14:32:27', '2019-05-23T14:32:27.000Z'],
      ['2019-05-23T14:32:27.5', '2019-05-23T14:32:27.500Z'],
      ['2019-05-23T14:32:27.53+0000', '2019-05-23T14:32:27.530Z'],
    ])('transactionDate %s → %s', (transactionDate, expected) => {
      expect(normalize({ ...authenticationDetails(), transactionDate }).transactionDate).toBe(expected);
    });

    it('missing known fields → null', () => {
      expect(normalize({ transactionReference: AUTH_REF, transactionResult: 'CREATED' })).toEqual({
        transactionResult: 'CREATED',
        enrollmentTransactionReference: null,
        transactionDate: null,
        scanSource: null,
        userReference: null,
      });
    });

    it('unknown fields and values are kept as they came, under extra', () => {
      const details = { ...authenticationDetails(), scanSource: 'KIOSK', livenessScore: { value: '0.97' } };
      const result = normalize(details);
      expect(result.scanSource).toBe('KIOSK');
      expect(result.extra).toEqual({ livenessScore: { value: '0.97' } });
    });

    it.each([
      ['null', null],
      ['an array', [authenticationDetails()]],
      ['a string', PLANTED[0]],
      ['a number', 4711],
    ])('details that are %s → JumioPayloadError', (_label, details) => {
      expectPayloadError(() => normalize(details), 'authentication details');
    });
  });

  describe('authenticationMediaRefs', () => {
    it('face and liveness images by href number', () => {
      expect(authenticationMediaRefs(authenticationDetails())).toEqual([
        { name: 'face', href: `${A}/images/face`, mediumClass: 'image' },
        { name: 'liveness-1', href: `${A}/images/liveness/1`, mediumClass: 'image' },
        { name: 'liveness-2', href: `${A}/images/liveness/2`, mediumClass: 'image' },
      ]);
    });

    it('images as a single object, liveness numbered from the href', () => {
      const details = authenticationDetails();
      details.images = { classifier: 'face', href: `${A}/images/face` };
      details.livenessImages = [`${A}/images/liveness/4`];
      expect(authenticationMediaRefs(details).map((r) => r.name)).toEqual(['face', 'liveness-4']);
    });

    it('no media for a transaction that lists none (CREATED)', () => {
      const details = authenticationDetails();
      details.transactionResult = 'CREATED';
      delete details.images;
      delete details.livenessImages;
      expect(authenticationMediaRefs(details)).toEqual([]);
    });

    it('details that are not an object → JumioPayloadError', () => {
      expectPayloadError(() => authenticationMediaRefs([PLANTED[0]]), 'authentication details');
    });
  });
});
