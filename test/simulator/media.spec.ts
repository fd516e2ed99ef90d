import zlib from 'node:zlib';
import { JumioSimulator, expectedMedium } from '../../src/simulator/jumio-simulator.js';
import { crc32 } from '../../src/simulator/simulator-media.js';
import { PNG_SIGNATURE, PREFIX, isJpeg, isPng, jumio, ref, startSimulator, uuidEndingIn } from './helpers.js';

interface JpegInfo {
  width: number;
  height: number;
  comments: string[];
}

/** Walks the JPEG marker structure the way a decoder does; throws on anything malformed. */
function parseJpeg(b: Buffer): JpegInfo {
  if (b[0] !== 0xff || b[1] !== 0xd8) throw new Error('no SOI');
  const info: JpegInfo = { width: 0, height: 0, comments: [] };
  let i = 2;
  for (;;) {
    if (b[i] !== 0xff) throw new Error(`expected a marker at ${i}`);
    const marker = b[i + 1];
    const len = b.readUInt16BE(i + 2);
    const body = b.subarray(i + 4, i + 2 + len);
    if (marker === 0xfe) info.comments.push(body.toString('utf8'));
    if (marker === 0xc0) {
      info.height = body.readUInt16BE(1);
      info.width = body.readUInt16BE(3);
    }
    i += 2 + len;
    if (marker === 0xda) break;
  }
  // entropy-coded data: 0xFF is only allowed as FF00 stuffing or RSTn, until EOI
  for (; i < b.length - 1; i++) {
    if (b[i] !== 0xff) continue;
    const next = b[i + 1];
    if (next === 0xd9) {
      if (i + 2 !== b.length) throw new Error('data after EOI');
      if (!info.width || !info.height) throw new Error('no SOF0');
      return info;
    }
    if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7))
      throw new Error(`unexpected marker FF${next.toString(16)} in scan`);
    i++;
  }
  throw new Error('no EOI');
}

interface PngInfo {
  width: number;
  height: number;
  text: string;
  pixels: Buffer;
}

function parsePng(b: Buffer): PngInfo {
  if (!b.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('bad signature');
  let i = 8;
  const idat: Buffer[] = [];
  const info: PngInfo = { width: 0, height: 0, text: '', pixels: Buffer.alloc(0) };
  const types: string[] = [];
  while (i < b.length) {
    const len = b.readUInt32BE(i);
    const type = b.toString('latin1', i + 4, i + 8);
    const data = b.subarray(i + 8, i + 8 + len);
    const crc = b.readUInt32BE(i + 8 + len);
    // independent CRC: node's own zlib.crc32, not the simulator's table
    if (zlib.crc32(b.subarray(i + 4, i + 8 + len)) !== crc) throw new Error(`bad CRC in ${type}`);
    types.push(type);
    if (type === 'IHDR') {
      info.width = data.readUInt32BE(0);
      info.height = data.readUInt32BE(4);
    } else if (type === 'tEXt') info.text = data.toString('latin1');
    else if (type === 'IDAT') idat.push(data);
    i += 12 + len;
  }
  if (types[0] !== 'IHDR' || types.at(-1) !== 'IEND') throw new Error(`bad chunk order ${types.join(',')}`);
  info.pixels = zlib.inflateSync(Buffer.concat(idat));
  return info;
}

describe('simulator: media', () => {
  it('JPEGs are structurally valid baseline files carrying kind, reference and name in a COM segment', () => {
    const reference = ref();
    for (const [kind, name] of [
      ['scan', 'front'],
      ['scan', 'back'],
      ['scan', 'face'],
      ['scan', 'liveness-2'],
      ['authentication', 'face'],
      ['document', 'page-101'],
    ] as const) {
      const { bytes, contentType } = expectedMedium(kind, reference, name);
      expect(contentType).toBe('image/jpeg');
      expect(isJpeg(bytes)).toBe(true);
      const info = parseJpeg(bytes);
      expect(info).toMatchObject({ width: 2, height: 2 });
      expect(info.comments.join(' ')).toContain(`${reference}/${name}`);
      // JFIF wants APP0 right after SOI
      expect(bytes.subarray(2, 4).equals(Buffer.from([0xff, 0xe0]))).toBe(true);
    }
  });

  it('PNGs have valid chunks and CRCs, 8x8 RGB pixels that differ per medium', () => {
    const reference = ref();
    const a = expectedMedium('scan', reference, 'liveness-1');
    const b = expectedMedium('scan', reference, 'liveness-3');
    expect(a.contentType).toBe('image/png');
    expect(isPng(a.bytes)).toBe(true);
    const pa = parsePng(a.bytes);
    const pb = parsePng(b.bytes);
    expect(pa).toMatchObject({ width: 8, height: 8 });
    expect(pa.pixels).toHaveLength((8 * 3 + 1) * 8);
    expect(pa.text).toContain(`${reference}/liveness-1`);
    expect(pa.pixels.equals(pb.pixels)).toBe(false);
  });

  it('the simulator CRC agrees with zlib.crc32', () => {
    const data = Buffer.from('IHDR and some bytes \x00\xff', 'latin1');
    expect(crc32(data)).toBe(zlib.crc32(data));
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('the PDF has a correct xref table and shows the reference', () => {
    const reference = ref();
    const { bytes, contentType } = expectedMedium('document', reference, 'original');
    expect(contentType).toBe('application/pdf');
    const text = bytes.toString('latin1');
    const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)?.[1]);
    expect(text.slice(startxref, startxref + 4)).toBe('xref');
    const offsets = [...text.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    expect(offsets).toHaveLength(5);
    offsets.forEach((off, i) => expect(text.slice(off, off + `${i + 1} 0 obj`.length)).toBe(`${i + 1} 0 obj`));
    const length = Number(/\/Length (\d+) >>\nstream\n/.exec(text)?.[1]);
    const streamStart = text.indexOf('stream\n') + 'stream\n'.length;
    expect(text.slice(streamStart + length, streamStart + length + 'endstream'.length)).toBe('endstream');
    expect(text).toContain(`(${reference})`);
  });

  it('expectedMedium is deterministic and distinct per kind, reference, name and maskhint', () => {
    const r1 = ref();
    const r2 = ref();
    const same = expectedMedium('scan', r1, 'front').bytes;
    expect(expectedMedium('scan', r1, 'front').bytes.equals(same)).toBe(true);
    const others = [
      expectedMedium('scan', r2, 'front').bytes,
      expectedMedium('scan', r1, 'back').bytes,
      expectedMedium('authentication', r1, 'face').bytes,
      expectedMedium('scan', r1, 'facemap').bytes,
    ];
    for (const o of others) expect(o.equals(same)).toBe(false);
    const masked = expectedMedium('document', r1, 'page-1').bytes;
    expect(expectedMedium('document', r1, 'page-1', { masked: true }).bytes.equals(masked)).toBe(true);
    expect(expectedMedium('document', r1, 'page-1', { masked: false }).bytes.equals(masked)).toBe(false);
    expect(expectedMedium('scan', r1, 'facemap').contentType).toBe('application/octet-stream');
  });

  it('expectedMedium refuses names a kind does not have', () => {
    expect(() => expectedMedium('scan', ref(), 'page-1')).toThrow();
    expect(() => expectedMedium('document', ref(), 'front')).toThrow();
    expect(() => expectedMedium('authentication', ref(), 'facemap')).toThrow();
    expect(() => expectedMedium('scan', ref(), 'liveness-0')).toThrow();
  });

  describe('served bytes', () => {
    let sim: JumioSimulator;
    beforeAll(async () => {
      sim = await startSimulator();
    });
    afterAll(() => sim.close());

    it('every medium listed for an unscripted approved scan equals expectedMedium', async () => {
      const reference = uuidEndingIn('3');
      await jumio(sim, `/scans/${reference}`);
      const list = (await jumio(sim, `/scans/${reference}/images`)).json();
      const data = (await jumio(sim, `/scans/${reference}/data`)).json();
      const hrefs: Array<[string, string]> = [
        ...list.images.map((i: { classifier: string; href: string }) => [i.classifier, i.href]),
        ...list.livenessImages.map((h: string, i: number) => [`liveness-${i + 1}`, h]),
        ['facemap', data.facemap.href],
      ];
      expect(hrefs).toHaveLength(6);
      for (const [name, href] of hrefs) {
        const r = await jumio(sim, new URL(href).pathname.slice(PREFIX.length), { accept: 'image/jpeg, image/png' });
        const expected = expectedMedium('scan', reference, name);
        expect([name, r.headers['content-type']]).toEqual([name, expected.contentType]);
        expect(r.body.equals(expected.bytes)).toBe(true);
      }
    });
  });
});
