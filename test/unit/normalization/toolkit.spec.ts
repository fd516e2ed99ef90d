import { JumioPayloadError } from '../../../src/engine/domain/product-contracts.js';
import {
  imageNameFromClassifier,
  isAbsoluteHttpUrl,
  livenessMediaRefs,
  mediaRefsFromImageList,
  trailingInteger,
  uniqueByName,
} from '../../../src/engine/normalization/media-refs.js';
import {
  asObject,
  asOptionalObject,
  getOwn,
  normalizeSource,
  normalizeTransactionSection,
  parseJsonString,
  readStatusString,
  splitKnown,
  toArray,
  toBooleanLoose,
} from '../../../src/engine/normalization/payload-readers.js';
import { normalizeTimestamp } from '../../../src/engine/normalization/timestamps.js';
import { expectPayloadError, PLANTED } from './fixtures.js';

describe('normalization toolkit', () => {
  describe('asObject', () => {
    it('returns a plain object as is', () => {
      const obj = { a: 1 };
      expect(asObject(obj, 'x')).toBe(obj);
    });

    it.each([
      ['null', null, 'null'],
      ['an array', [PLANTED[0]], 'an array'],
      ['a string', PLANTED[0], 'a string'],
      ['a number', 4711, 'a number'],
      ['nothing', undefined, 'nothing'],
    ])('throws JumioPayloadError for %s, naming the field and the type only', (_label, value, typeWord) => {
      const message = expectPayloadError(() => asObject(value, 'scan data: document'), 'scan data: document');
      expect(message).toContain(typeWord);
      expect(message).not.toContain('4711');
    });

    it('asOptionalObject reads undefined and null as absent, but still rejects other non-objects', () => {
      expect(asOptionalObject(undefined, 'x')).toBeNull();
      expect(asOptionalObject(null, 'x')).toBeNull();
      expect(() => asOptionalObject([], 'x')).toThrow(JumioPayloadError);
    });
  });

  describe('toBooleanLoose', () => {
    it.each([
      [true, true],
      ['true', true],
      ['TRUE', true],
      ['True', true],
      [false, false],
      ['false', false],
      ['FALSE', false],
    ])('%p → %p', (input, expected) => {
      expect(toBooleanLoose(input)).toBe(expected);
    });

    it.each([['yes'], ['1'], [1], [null], [''], [' true']])('keeps %p unchanged', (input) => {
      expect(toBooleanLoose(input)).toBe(input);
    });
  });

  describe('toArray', () => {
    it('absent → [], array → same array, anything else → [value]', () => {
      expect(toArray(undefined)).toEqual([]);
      expect(toArray(null)).toEqual([]);
      const arr = [1, 2];
      expect(toArray(arr)).toBe(arr);
      expect(toArray('one')).toEqual(['one']);
      expect(toArray({ a: 1 })).toEqual([{ a: 1 }]);
    });
  });

  describe('normalizeTimestamp', () => {
    it.each([
      ['2019-05-23T14:32:27Z', '2019-05-23T14:32:27.000Z'],
      ['2019-05-23T14:32:27.5Z', '2019-05-23T14:32:27.500Z'],
      ['2019-05-23T14:32:27.53Z', '2019-05-23T14:32:27.530Z'],
      ['2019-05-23T14:32:27.534Z', '2019-05-23T14:32:27.534Z'],
    ])('accepts 0 to 3 millisecond digits: %s', (input, expected) => {
      expect(normalizeTimestamp(input)).toBe(expected);
    });

    it.each([
      ['+0000', '2019-02-01T11:01:10.2+0000', '2019-02-01T11:01:10.200Z'],
      ['+00:00', '2019-02-01T11:01:10.2+00:00', '2019-02-01T11:01:10.200Z'],
      ['+02:00', '2019-02-01T11:01:10.227+02:00', '2019-02-01T09:01:10.227Z'],
      ['-0530', '2019-02-01T23:01:10.227-0530', '2019-02-02T04:31:10.227Z'],
      ['no zone (UTC)', '2019-05-23T14:32:27.534', '2019-05-23T14:32:27.534Z'],
    ])('accepts the zone %s', (_label, input, expected) => {
      expect(normalizeTimestamp(input)).toBe(expected);
    });

    it('cuts more than three fraction digits to milliseconds', () => {
      expect(normalizeTimestamp('2019-05-23T14:32:27.534999Z')).toBe('2019-05-23T14:32:27.534Z');
    });

    it.each([
      ['not a date'],
      ['2019-02-30T10:00:00Z'],
      ['2019-13-01T10:00:00Z'],
      ['2019-01-01T24:00:00Z'],
      ['2019-01-01 10:00:00Z'],
      ['2019-01-01T10:00:00+25:00'],
      ['2019-01-01'],
      [''],
    ])('returns the unparseable %p unchanged', (input) => {
      expect(normalizeTimestamp(input)).toBe(input);
    });

    it('returns non-strings unchanged', () => {
      expect(normalizeTimestamp(1558621947534)).toBe(1558621947534);
      expect(normalizeTimestamp(null)).toBeNull();
    });
  });

  describe('splitKnown', () => {
    it('separates known keys from unknown ones, values as they came', () => {
      const nested = { deep: ['x'] };
      const { known, unknown } = splitKnown({ a: 1, b: nested, c: 'x' }, ['a', 'c']);
      expect(known).toEqual({ a: 1, c: 'x' });
      expect(unknown).toEqual({ b: nested });
      expect(unknown.b).toBe(nested);
    });

    it('keeps a "__proto__" key from a JSON payload as plain data', () => {
      const payload = JSON.parse('{"a":1,"__proto__":{"polluted":true}}') as Record<string, unknown>;
      const { unknown } = splitKnown(payload, ['a']);
      expect(Object.keys(unknown)).toEqual(['__proto__']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((unknown as { polluted?: unknown }).polluted).toBeUndefined();
      expect(JSON.parse(JSON.stringify(unknown))).toEqual(JSON.parse('{"__proto__":{"polluted":true}}'));
    });

    it('getOwn ignores inherited properties', () => {
      expect(getOwn({}, 'constructor')).toBeUndefined();
      expect(getOwn({ constructor: 'x' }, 'constructor')).toBe('x');
    });
  });

  describe('parseJsonString', () => {
    it('parses valid JSON and reports invalid JSON without throwing', () => {
      expect(parseJsonString('{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
      expect(parseJsonString('[1]')).toEqual({ ok: true, value: [1] });
      expect(parseJsonString('{"a":')).toEqual({ ok: false });
      expect(parseJsonString(42)).toEqual({ ok: false });
    });

    it('does not parse JSON nested deeper than 64 levels: tooDeep, whatever the brackets inside strings', () => {
      expect(parseJsonString(`${'['.repeat(64)}${']'.repeat(64)}`).ok).toBe(true);
      expect(parseJsonString(`${'['.repeat(65)}${']'.repeat(65)}`)).toEqual({ ok: false, tooDeep: true });
      expect(parseJsonString(`["${'['.repeat(100)}"]`)).toEqual({ ok: true, value: ['['.repeat(100)] });
    });
  });

  describe('readStatusString', () => {
    it('returns the status string, unknown values included', () => {
      expect(readStatusString({ status: 'SOMETHING_NEW' }, 'status', 'answer')).toBe('SOMETHING_NEW');
    });

    it('rejects a missing or non-string status without echoing it', () => {
      expectPayloadError(() => readStatusString({}, 'status', 'answer'), '"status" is missing');
      const message = expectPayloadError(() => readStatusString({ status: 4711 }, 'status', 'answer'), '"status"');
      expect(message).toContain('a number');
      expect(message).not.toContain('4711');
    });
  });

  describe('transaction section', () => {
    it.each([
      ['WEB-UPLOAD', 'WEB_UPLOAD'],
      ['WEB-CAM', 'WEB_CAM'],
      ['REDIRECT-CAM', 'REDIRECT_CAM'],
      ['REDIRECT-UPLOAD', 'REDIRECT_UPLOAD'],
      ['WEB_UPLOAD', 'WEB_UPLOAD'],
      ['SDK', 'SDK'],
      ['FUTURE-SOURCE', 'FUTURE-SOURCE'],
    ])('source %s → %s', (input, expected) => {
      expect(normalizeSource(input)).toBe(expected);
    });

    it('normalizes date and source and returns unknown fields apart', () => {
      const { transaction, unknown } = normalizeTransactionSection(
        { date: '2019-02-01T11:01:10.2+0000', source: 'WEB-CAM', status: 'DONE', newField: { a: 1 } },
        'x.transaction',
      );
      expect(transaction).toEqual({ date: '2019-02-01T11:01:10.200Z', source: 'WEB_CAM', status: 'DONE' });
      expect(unknown).toEqual({ newField: { a: 1 } });
    });

    it('absent → {}; not an object → JumioPayloadError', () => {
      expect(normalizeTransactionSection(undefined, 'x.transaction')).toEqual({ transaction: {}, unknown: {} });
      expectPayloadError(() => normalizeTransactionSection('WEB', 'x.transaction'), 'x.transaction');
    });
  });

  describe('hrefs', () => {
    it('isAbsoluteHttpUrl accepts only absolute http(s) URLs', () => {
      expect(isAbsoluteHttpUrl('https://netverify.com/api/netverify/v2/scans/x/images/front')).toBe(true);
      expect(isAbsoluteHttpUrl('http://127.0.0.1:8080/a')).toBe(true);
      expect(isAbsoluteHttpUrl('')).toBe(false);
      expect(isAbsoluteHttpUrl('/api/netverify/v2/scans/x/images/front')).toBe(false);
      expect(isAbsoluteHttpUrl('ftp://netverify.com/a')).toBe(false);
      expect(isAbsoluteHttpUrl('file:///etc/passwd')).toBe(false);
      expect(isAbsoluteHttpUrl(' https://netverify.com/a')).toBe(false);
      expect(isAbsoluteHttpUrl(42)).toBe(false);
    });

    it('trailingInteger reads the last path segment when it is an integer', () => {
      expect(trailingInteger('https://netverify.com/scans/r/images/liveness/3')).toBe(3);
      expect(trailingInteger('https://netverify.com/scans/r/images/liveness/12/')).toBe(12);
      expect(trailingInteger('https://netverify.com/scans/r/images/liveness/7?x=1')).toBe(7);
      expect(trailingInteger('https://netverify.com/scans/r/images/liveness3')).toBeNull();
      expect(trailingInteger('https://netverify.com/scans/r/images/face')).toBeNull();
    });

    it('mediaRefsFromImageList accepts one object or an array and skips entries without a usable href', () => {
      const nameOf = (c: unknown) => (typeof c === 'string' ? c : null);
      expect(mediaRefsFromImageList({ classifier: 'front', href: 'https://h/front' }, nameOf)).toEqual([
        { name: 'front', href: 'https://h/front', mediumClass: 'image' },
      ]);
      expect(
        mediaRefsFromImageList(
          [
            { classifier: 'a', href: 'https://h/a' },
            { classifier: 'b' },
            { classifier: 'c', href: 42 },
            { classifier: 'd', href: '' },
            { classifier: 7, href: 'https://h/7' },
            'https://h/loose-string',
            null,
          ],
          nameOf,
          'pdf',
        ),
      ).toEqual([{ name: 'a', href: 'https://h/a', mediumClass: 'pdf' }]);
      expect(mediaRefsFromImageList(undefined, nameOf)).toEqual([]);
      expect(mediaRefsFromImageList(42, nameOf)).toEqual([]);
    });

    it('livenessMediaRefs names each by its href number and skips hrefs without one', () => {
      expect(
        livenessMediaRefs([
          'https://h/images/liveness/3',
          'https://h/images/liveness/x',
          'https://h/images/liveness/1',
        ]),
      ).toEqual([
        { name: 'liveness-3', href: 'https://h/images/liveness/3', mediumClass: 'image' },
        { name: 'liveness-1', href: 'https://h/images/liveness/1', mediumClass: 'image' },
      ]);
    });

    it('imageNameFromClassifier keeps lower-case classifiers but not reserved or odd ones', () => {
      expect(imageNameFromClassifier('front')).toBe('front');
      expect(imageNameFromClassifier('ultra-violet')).toBe('ultra-violet');
      expect(imageNameFromClassifier('FRONT')).toBeNull();
      expect(imageNameFromClassifier('../etc')).toBeNull();
      expect(imageNameFromClassifier('facemap')).toBeNull();
      expect(imageNameFromClassifier('liveness-1')).toBeNull();
      expect(imageNameFromClassifier('a'.repeat(32))).toBeNull();
      expect(imageNameFromClassifier(1)).toBeNull();
    });

    it('uniqueByName keeps the first of each name', () => {
      const a = { name: 'front', href: 'https://h/1', mediumClass: 'image' as const };
      const b = { name: 'front', href: 'https://h/2', mediumClass: 'image' as const };
      expect(uniqueByName([a, b])).toEqual([a]);
    });
  });
});
