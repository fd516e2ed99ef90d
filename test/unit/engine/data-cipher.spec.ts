import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { EngineException } from '../../../src/engine/engine.exception';
import { httpStatusOf } from '../../../src/http/engine-exception-status';
import { loadConfig } from '../../../src/config/app-config';
import {
  DataCipher,
  DataDecryptionError,
  type DecryptionFailure,
  type EncryptedJson,
} from '../../../src/engine/crypto/data-cipher';
import { SANDBOX_KEY_FILE, useSandboxDataKey } from '../../../src/sandbox/sandbox-data-key';

const A = { id: 'A', key: Buffer.alloc(32, 1) };
const B = { id: 'key-B.2', key: Buffer.alloc(32, 2) };
const CONTEXT = 'tracked_transaction:42:result';
const VALUE = {
  document: { firstName: 'JANE-ABCDEF12', number: '123456789', address: { line1: '12 EASY STREET' } },
  list: [1, 'two', null, true],
  ü: 'ö€𝄞',
};

function failure(fn: () => unknown): { reason: DecryptionFailure; code: string; detail: string } {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DataDecryptionError)) throw e;
    return { reason: e.reason, code: e.code, detail: e.detail };
  }
  throw new Error('expected a DataDecryptionError');
}

/** Flips one bit of a base64 field of an envelope. */
function flip(envelope: EncryptedJson, field: 'iv' | 'tag' | 'ct', byte = 0): EncryptedJson {
  const b = Buffer.from(envelope[field], 'base64');
  b[byte] ^= 0x01;
  return { ...envelope, [field]: b.toString('base64') };
}

describe('DataCipher', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));

  describe('construction', () => {
    it('throws a clear error without a key, with a key of the wrong size, a bad id or an id given twice', () => {
      expect(() => new DataCipher([])).toThrow(/no data encryption key configured; set DATA_ENCRYPTION_KEYS/);
      expect(() => new DataCipher(undefined as never)).toThrow(/no data encryption key configured/);
      expect(() => new DataCipher([{ id: 'short', key: Buffer.alloc(16) }])).toThrow(/key "short" is not 32 bytes/);
      expect(() => new DataCipher([{ id: 'bad id', key: Buffer.alloc(32) }])).toThrow(/key id "bad id"/);
      expect(() => new DataCipher([A, { ...B, id: 'A' }])).toThrow(/key id "A" is given twice/);
    });

    it('encrypts under the first key', () => {
      expect(new DataCipher([B, A]).activeKeyId).toBe('key-B.2');
      expect(new DataCipher([A, B]).activeKeyId).toBe('A');
    });
  });

  describe('JSON values', () => {
    const cipher = new DataCipher([A]);

    it('round-trips any JSON value in a { enc, kid, iv, tag, ct } envelope that holds none of it in clear', () => {
      for (const value of [VALUE, [1, 2, 3], 'a string', 0, false, {}]) {
        const envelope = cipher.encryptJson(value, CONTEXT);
        expect(Object.keys(envelope).sort()).toEqual(['ct', 'enc', 'iv', 'kid', 'tag']);
        expect(envelope).toMatchObject({ enc: 'v1', kid: 'A' });
        expect(Buffer.from(envelope.iv, 'base64')).toHaveLength(12);
        expect(Buffer.from(envelope.tag, 'base64')).toHaveLength(16);
        expect(cipher.decryptJson(JSON.parse(JSON.stringify(envelope)), CONTEXT)).toEqual(value);
      }
      const text = JSON.stringify(cipher.encryptJson(VALUE, CONTEXT));
      for (const clear of ['JANE', 'ABCDEF12', '123456789', 'EASY STREET', 'firstName'])
        expect(text).not.toContain(clear);
    });

    it('uses a fresh IV every time: the same value never encrypts alike', () => {
      const a = cipher.encryptJson(VALUE, CONTEXT);
      const b = cipher.encryptJson(VALUE, CONTEXT);
      expect(a.iv).not.toBe(b.iv);
      expect(a.ct).not.toBe(b.ct);
      // IVs come from a pool drawn 256 at a time: across several pools, none repeats, and every envelope made
      // earlier still decrypts (a used pool is never written over).
      const envelopes = Array.from({ length: 1000 }, () => cipher.encryptJson(VALUE, CONTEXT));
      expect(new Set(envelopes.map((e) => e.iv)).size).toBe(1000);
      for (const e of envelopes) expect(cipher.decryptJson(e, CONTEXT)).toEqual(VALUE);
      const blobs = Array.from({ length: 600 }, () => cipher.encryptBytes(Buffer.from('medium'), CONTEXT));
      expect(new Set(blobs.map((b) => b.toString('base64'))).size).toBe(600);
      for (const b of blobs) expect(cipher.decryptBytes(b, CONTEXT).toString()).toBe('medium');
    });

    it('returns values stored before encryption as they are (anything that is not an envelope)', () => {
      for (const legacy of [null, undefined, VALUE, [{ enc: 'v1' }], 'text', 7, { enc: 'something Jumio sent' }]) {
        expect(cipher.decryptJson(legacy, CONTEXT)).toEqual(legacy);
      }
      expect(DataCipher.isEncryptedJson(cipher.encryptJson(1, CONTEXT))).toBe(true);
      expect(DataCipher.isEncryptedJson(VALUE)).toBe(false);
    });

    it('detects tampering through the GCM tag: ciphertext, tag or IV altered', () => {
      const envelope = cipher.encryptJson(VALUE, CONTEXT);
      for (const field of ['ct', 'tag', 'iv'] as const) {
        expect({ field, ...failure(() => cipher.decryptJson(flip(envelope, field, 3), CONTEXT)) }).toMatchObject({
          field,
          reason: 'AUTHENTICATION_FAILED',
          code: 'DATA_UNREADABLE',
        });
      }
      const truncated = { ...envelope, ct: Buffer.from(envelope.ct, 'base64').subarray(1).toString('base64') };
      expect(failure(() => cipher.decryptJson(truncated, CONTEXT)).reason).toBe('AUTHENTICATION_FAILED');
    });

    it('binds the value to its row and column: a ciphertext copied elsewhere does not decrypt', () => {
      const envelope = cipher.encryptJson(VALUE, CONTEXT);
      expect(failure(() => cipher.decryptJson(envelope, 'tracked_transaction:43:result')).reason).toBe(
        'AUTHENTICATION_FAILED',
      );
      expect(failure(() => cipher.decryptJson(envelope, 'tracked_transaction:42:raw_details')).reason).toBe(
        'AUTHENTICATION_FAILED',
      );
    });

    it('a key id that is not configured: UNKNOWN_KEY, naming it; another configured key id put in the envelope: AUTHENTICATION_FAILED', () => {
      const underB = new DataCipher([B]).encryptJson(VALUE, CONTEXT);
      const unknown = failure(() => cipher.decryptJson(underB, CONTEXT));
      expect(unknown).toMatchObject({ reason: 'UNKNOWN_KEY', code: 'DATA_UNREADABLE' });
      expect(unknown.detail).toContain('key "key-B.2", which DATA_ENCRYPTION_KEYS does not hold');
      const both = new DataCipher([A, B]);
      expect(failure(() => both.decryptJson({ ...underB, kid: 'A' }, CONTEXT)).reason).toBe('AUTHENTICATION_FAILED');
    });

    it('an unknown format version or a malformed envelope: UNKNOWN_FORMAT', () => {
      const envelope = cipher.encryptJson(VALUE, CONTEXT);
      const v2 = failure(() => cipher.decryptJson({ ...envelope, enc: 'v2' }, CONTEXT));
      expect(v2).toMatchObject({ reason: 'UNKNOWN_FORMAT', detail: 'unknown encryption format version "v2"' });
      expect(failure(() => cipher.decryptJson({ ...envelope, kid: 5 }, CONTEXT)).reason).toBe('UNKNOWN_FORMAT');
      expect(failure(() => cipher.decryptJson({ ...envelope, iv: 'AAAA' }, CONTEXT)).reason).toBe('UNKNOWN_FORMAT');
    });

    it('the error is DATA_UNREADABLE (a 503) whose public message names neither key nor data', () => {
      const e = (() => {
        try {
          cipher.decryptJson(new DataCipher([B]).encryptJson(VALUE, CONTEXT), CONTEXT);
        } catch (x) {
          return x as DataDecryptionError;
        }
      })()!;
      expect(e).toBeInstanceOf(EngineException);
      expect(httpStatusOf(e.code)).toBe(503);
      const body = JSON.stringify(e.messages);
      expect(body).toContain('cannot be decrypted with the configured data encryption keys');
      expect(body).not.toContain('key-B.2');
      expect(body).not.toContain(A.key.toString('base64'));
    });
  });

  describe('bytes', () => {
    const cipher = new DataCipher([B, A]);
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));
    const ctx = 'stored_medium:42:front';

    it('round-trips in the format: version 1, key-id length, key id, 12-byte IV, 16-byte tag, ciphertext', () => {
      const stored = cipher.encryptBytes(bytes, ctx);
      expect(stored[0]).toBe(1);
      expect(stored[1]).toBe('key-B.2'.length);
      expect(stored.subarray(2, 9).toString('ascii')).toBe('key-B.2');
      expect(stored).toHaveLength(2 + 7 + 12 + 16 + bytes.length);
      expect(stored.includes(bytes.subarray(100, 132))).toBe(false);
      expect(DataCipher.bytesHeader(stored)).toEqual({ version: 1, keyId: 'key-B.2', keyIdLength: 7 });
      expect(cipher.decryptBytes(stored, ctx).equals(bytes)).toBe(true);
      expect(cipher.decryptBytes(stored, ctx, 'key-B.2').equals(bytes)).toBe(true);
      expect(cipher.decryptBytes(Buffer.alloc(0), ctx, null)).toHaveLength(0);
      expect(cipher.decryptBytes(cipher.encryptBytes(Buffer.alloc(0), ctx), ctx)).toHaveLength(0);
    });

    it('bytes stored in clear (no key id column value) are returned as they are', () => {
      expect(cipher.decryptBytes(bytes, ctx, null)).toBe(bytes);
    });

    it('detects tampering anywhere: IV, tag, ciphertext, the key id of the header; and another row or medium name', () => {
      const stored = cipher.encryptBytes(bytes, ctx);
      for (const at of [9, 9 + 12, 9 + 12 + 16, stored.length - 1]) {
        const bad = Buffer.from(stored);
        bad[at] ^= 0x80;
        expect({ at, reason: failure(() => cipher.decryptBytes(bad, ctx)).reason }).toEqual({
          at,
          reason: 'AUTHENTICATION_FAILED',
        });
      }
      // The header's key id changed to another id of the same key: only the AAD (which binds the key id) tells.
      const twins = new DataCipher([B, { id: 'key-B.3', key: B.key }]);
      const relabelled = twins.encryptBytes(bytes, ctx);
      relabelled[8] = '3'.charCodeAt(0);
      expect(DataCipher.bytesHeader(relabelled)!.keyId).toBe('key-B.3');
      expect(failure(() => twins.decryptBytes(relabelled, ctx)).reason).toBe('AUTHENTICATION_FAILED');
      expect(failure(() => cipher.decryptBytes(stored, 'stored_medium:43:front')).reason).toBe('AUTHENTICATION_FAILED');
      expect(failure(() => cipher.decryptBytes(stored, 'stored_medium:42:back')).reason).toBe('AUTHENTICATION_FAILED');
    });

    it('a key id that is not configured, one that differs from the key id column, an unknown version, a truncated header', () => {
      const underA = new DataCipher([A]).encryptBytes(bytes, ctx);
      expect(failure(() => new DataCipher([B]).decryptBytes(underA, ctx, 'A'))).toMatchObject({
        reason: 'UNKNOWN_KEY',
        code: 'DATA_UNREADABLE',
      });
      expect(failure(() => cipher.decryptBytes(underA, ctx, 'key-B.2')).reason).toBe('UNKNOWN_FORMAT');
      const v2 = Buffer.from(underA);
      v2[0] = 2;
      expect(failure(() => cipher.decryptBytes(v2, ctx))).toMatchObject({
        reason: 'UNKNOWN_FORMAT',
        detail: 'unknown encrypted bytes format version 2',
      });
      expect(failure(() => cipher.decryptBytes(underA.subarray(0, 20), ctx)).reason).toBe('UNKNOWN_FORMAT');
      expect(failure(() => cipher.decryptBytes(Buffer.from([1]), ctx)).reason).toBe('UNKNOWN_FORMAT');
    });
  });

  it('rotation: values written under A read under "B,A", new ones are written under B, and "B" alone cannot read A\'s', () => {
    const old = new DataCipher([A]);
    const json = old.encryptJson(VALUE, CONTEXT);
    const bytes = old.encryptBytes(Buffer.from('medium'), 'stored_medium:1:face');
    const rotated = new DataCipher([B, A]);
    expect(rotated.decryptJson(json, CONTEXT)).toEqual(VALUE);
    expect(rotated.decryptBytes(bytes, 'stored_medium:1:face', 'A').toString()).toBe('medium');
    expect(rotated.encryptJson(VALUE, CONTEXT).kid).toBe('key-B.2');
    expect(DataCipher.bytesHeader(rotated.encryptBytes(Buffer.from('x'), 'c'))!.keyId).toBe('key-B.2');
    const onlyB = new DataCipher([B]);
    expect(failure(() => onlyB.decryptJson(json, CONTEXT)).reason).toBe('UNKNOWN_KEY');
    expect(failure(() => onlyB.decryptBytes(bytes, 'stored_medium:1:face', 'A')).reason).toBe('UNKNOWN_KEY');
  });

  it('re-encryption: a value under A comes back under the active key B, same context, and reads under "B" alone', () => {
    const old = new DataCipher([A]);
    const json = old.encryptJson(VALUE, CONTEXT);
    const bytes = old.encryptBytes(Buffer.from('medium'), 'stored_medium:1:face');
    const rotated = new DataCipher([B, A]);
    expect(rotated.keyIds).toEqual(['key-B.2', 'A']);
    expect([rotated.hasKey('A'), rotated.hasKey('C')]).toEqual([true, false]);
    const json2 = rotated.reencryptJson(json, CONTEXT);
    const bytes2 = rotated.reencryptBytes(bytes, 'stored_medium:1:face', 'A');
    expect(json2.kid).toBe('key-B.2');
    expect(json2.iv).not.toBe(json.iv);
    const onlyB = new DataCipher([B]);
    expect(onlyB.decryptJson(json2, CONTEXT)).toEqual(VALUE);
    expect(onlyB.decryptBytes(bytes2, 'stored_medium:1:face', 'key-B.2').toString()).toBe('medium');
    // Still bound to its place: another context does not decrypt it.
    expect(failure(() => onlyB.decryptJson(json2, 'tracked_transaction:43:result')).reason).toBe(
      'AUTHENTICATION_FAILED',
    );
    // A value that does not decrypt is not re-encrypted.
    expect(failure(() => rotated.reencryptJson({ ...json, ct: json2.ct }, CONTEXT)).reason).toBe(
      'AUTHENTICATION_FAILED',
    );
  });
});

describe('useSandboxDataKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jf-sandbox-key-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const sandboxConfig = (env: Record<string, string> = {}) =>
    loadConfig({ SANDBOX: 'true', EMBEDDED_DATABASE_DIR: path.join(dir, 'data', 'pg'), ...env });

  it("generates a key once under the database directory's parent (mode 600), reuses it after a restart, and never logs it", () => {
    const first = sandboxConfig();
    expect(first.security.encryptionKeys).toEqual([]);
    const logs: string[] = [];
    const file = useSandboxDataKey(first, (m) => logs.push(m));
    expect(file).toBe(path.join(dir, 'data', SANDBOX_KEY_FILE));
    expect(fs.statSync(file!).mode & 0o777).toBe(0o600);
    expect(first.security.encryptionKeys).toHaveLength(1);
    const [{ id, key }] = first.security.encryptionKeys;
    expect(key).toHaveLength(32);
    expect(fs.readFileSync(file!, 'utf8')).toBe(`${id}:${key.toString('base64')}\n`);
    expect(() => new DataCipher(first.security.encryptionKeys)).not.toThrow();

    const again = sandboxConfig();
    useSandboxDataKey(again, (m) => logs.push(m));
    expect(again.security.encryptionKeys).toEqual(first.security.encryptionKeys);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/generated development key .*created in/);
    expect(logs[1]).toMatch(/generated development key .*read from/);
    for (const line of logs) expect(line).not.toContain(key.toString('base64'));
    expect(fs.readdirSync(path.join(dir, 'data'))).toEqual([SANDBOX_KEY_FILE]);
  });

  it('does nothing when DATA_ENCRYPTION_KEYS is set or outside the sandbox', () => {
    const configured = sandboxConfig({ DATA_ENCRYPTION_KEYS: `mine:${Buffer.alloc(32, 9).toString('base64')}` });
    expect(useSandboxDataKey(configured, () => undefined)).toBeNull();
    expect(configured.security.encryptionKeys.map((k) => k.id)).toEqual(['mine']);
    const production = { ...sandboxConfig(), sandbox: false };
    expect(useSandboxDataKey(production, () => undefined)).toBeNull();
    expect(fs.existsSync(path.join(dir, 'data', SANDBOX_KEY_FILE))).toBe(false);
  });

  it('refuses a damaged key file, naming it', () => {
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', SANDBOX_KEY_FILE), 'sandbox:dG9vIHNob3J0\n', { mode: 0o644 });
    expect(() => useSandboxDataKey(sandboxConfig(), () => undefined)).toThrow(
      /sandbox-data-key is not keyId:base64key with a 32-byte key/,
    );
  });
});
