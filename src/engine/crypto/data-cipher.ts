import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { EngineException } from '../engine.exception.js';

/**
 * Personal data at rest (Jumio's payloads, the normalized result, the media bytes) is encrypted with
 * AES-256-GCM under the keys of DATA_ENCRYPTION_KEYS: the first key encrypts, every key decrypts, each
 * ciphertext naming its key by id, so a new key is rolled out by putting it first (old rows still read under
 * the keys behind it), the re-encryption job moves old values to it (engine/key-rotation, which counts the values per
 * key from the indexed key-id columns) and an old key can be dropped once nothing written under it is left.
 *
 * Every ciphertext is bound to its place by the additional authenticated data (`context`, e.g.
 * `tracked_transaction:42:result`, `stored_medium:42:front`), together with the format version and the key id:
 * a ciphertext copied to another row or column, or with its key id or version changed, fails to decrypt.
 *
 * Formats:
 * - JSON values (jsonb columns): `{ "enc": "v1", "kid": keyId, "iv": b64(12 bytes), "tag": b64(16 bytes),
 *   "ct": b64(AES-256-GCM(JSON.stringify(value))) }`. A stored value that is not such an envelope (not an
 *   object with `enc` and `ct`) was written before encryption existed and is read as it is.
 * - Bytes (bytea): `0x01` (version), one byte key-id length, the key id (ASCII), the 12-byte IV, the 16-byte
 *   tag, then the ciphertext. Bytes have no marker of their own, so the caller says whether a value is
 *   encrypted (stored_medium.key_id is NULL for media stored before encryption).
 */

export const JSON_FORMAT_VERSION = 'v1';
export const BYTES_FORMAT_VERSION = 1;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;

export interface DataKey {
  id: string;
  key: Buffer;
}

export interface EncryptedJson {
  enc: typeof JSON_FORMAT_VERSION;
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

/** Why a stored value could not be read. */
export type DecryptionFailure =
  /** The ciphertext names a key that DATA_ENCRYPTION_KEYS does not hold (dropped too early, or another deployment's). */
  | 'UNKNOWN_KEY'
  /** GCM's tag does not match: altered bytes, another row's ciphertext, or another key under the same id. */
  | 'AUTHENTICATION_FAILED'
  /** Not a format this code writes (an unknown version, a truncated header, a malformed envelope). */
  | 'UNKNOWN_FORMAT';

const PUBLIC_MESSAGE =
  'stored personal data of this transaction cannot be decrypted with the configured data encryption keys; the service log names the cause';

/**
 * A stored value that cannot be decrypted (DATA_UNREADABLE, a 503 on an HTTP request): the data exists but this
 * deployment cannot read it, typically a key removed from DATA_ENCRYPTION_KEYS while data written under it
 * remains (fixed by putting the key back). `reason` and `detail` say why; the cipher logs them with the value's
 * context, never the key or the data.
 */
export class DataDecryptionError extends EngineException {
  constructor(
    readonly reason: DecryptionFailure,
    readonly context: string,
    readonly keyId: string | null,
    readonly detail: string,
  ) {
    super('DATA_UNREADABLE', [PUBLIC_MESSAGE]);
    this.name = 'DataDecryptionError';
  }
}

/**
 * The one place where data is encrypted and decrypted (node:crypto, AES-256-GCM, a random 96-bit IV per value).
 * Built from the configuration's keys (an EngineModule provider); throws at construction without a usable key.
 */
export class DataCipher {
  private readonly logger = new Logger('DataCipher');
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly active: { id: string; key: Buffer };

  constructor(keys: readonly DataKey[]) {
    if (!keys || keys.length === 0) {
      throw new Error(
        'DataCipher: no data encryption key configured; set DATA_ENCRYPTION_KEYS to keyId:base64key (generate a key with: openssl rand -base64 32)',
      );
    }
    const map = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) throw new Error(`DataCipher: key id "${id}" is not 1 to 32 letters, digits, . _ -`);
      if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES)
        throw new Error(`DataCipher: key "${id}" is not ${KEY_BYTES} bytes`);
      if (map.has(id)) throw new Error(`DataCipher: key id "${id}" is given twice in DATA_ENCRYPTION_KEYS`);
      map.set(id, Buffer.from(key));
    }
    this.keys = map;
    this.active = { id: keys[0].id, key: map.get(keys[0].id)! };
  }

  /** The id of the key new values are encrypted under (the first of DATA_ENCRYPTION_KEYS). */
  get activeKeyId(): string {
    return this.active.id;
  }

  /** Whether DATA_ENCRYPTION_KEYS holds a key of this id. */
  hasKey(id: string): boolean {
    return this.keys.has(id);
  }

  /** Every configured key id, the active one first. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** A jsonb column's envelope decrypted and encrypted again under the active key, bound to the same context. */
  reencryptJson(stored: unknown, context: string): EncryptedJson {
    return this.encryptJson(this.decryptJson(stored, context), context);
  }

  /** Encrypted bytes (their stored key id given) decrypted and encrypted again under the active key. */
  reencryptBytes(stored: Buffer, context: string, keyIdColumn: string): Buffer {
    return this.encryptBytes(this.decryptBytes(stored, context, keyIdColumn), context);
  }

  /**
   * A keyed fingerprint (HMAC-SHA256, hex) of a text, to recognise the same personal data again without storing
   * anything a guess could be checked against. Keyed by a key derived (HKDF) from the active data key, so it
   * changes when that key rotates: a fingerprint only matches values fingerprinted under the same key.
   */
  fingerprint(text: string): string {
    const key = Buffer.from(hkdfSync('sha256', this.active.key, Buffer.alloc(0), 'jumio-fallback fingerprint', 32));
    return createHmac('sha256', key).update(text, 'utf8').digest('hex');
  }

  /** Encrypts any JSON value (not undefined) into the envelope stored in a jsonb column. */
  encryptJson(value: unknown, context: string): EncryptedJson {
    const text = JSON.stringify(value);
    if (text === undefined) throw new Error(`DataCipher: ${context}: undefined is not a JSON value`);
    const { id, iv, tag, ct } = this.seal(Buffer.from(text, 'utf8'), aad(JSON_FORMAT_VERSION, this.active.id, context));
    return {
      enc: JSON_FORMAT_VERSION,
      kid: id,
      iv: iv.toString('base64'),
      tag: tag.toString('base64'),
      ct: ct.toString('base64'),
    };
  }

  /**
   * The value of a jsonb column: an envelope is decrypted (its key found by id); anything else (null, values
   * written before encryption) is returned as it is. Throws DataDecryptionError.
   */
  decryptJson(stored: unknown, context: string): unknown {
    if (!isEnvelopeLike(stored)) return stored;
    const { enc, kid, iv, tag, ct } = stored as Record<string, unknown>;
    if (enc !== JSON_FORMAT_VERSION) {
      throw this.failure(
        'UNKNOWN_FORMAT',
        context,
        typeof kid === 'string' ? kid : null,
        `unknown encryption format version ${JSON.stringify(enc)}`,
      );
    }
    if (typeof kid !== 'string' || typeof iv !== 'string' || typeof tag !== 'string' || typeof ct !== 'string') {
      throw this.failure(
        'UNKNOWN_FORMAT',
        context,
        null,
        'malformed encryption envelope (kid, iv, tag and ct must be strings)',
      );
    }
    const ivBytes = Buffer.from(iv, 'base64');
    const tagBytes = Buffer.from(tag, 'base64');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
      throw this.failure(
        'UNKNOWN_FORMAT',
        context,
        kid,
        `malformed encryption envelope (a ${IV_BYTES}-byte iv and a ${TAG_BYTES}-byte tag expected)`,
      );
    }
    const plain = this.open(
      kid,
      ivBytes,
      tagBytes,
      Buffer.from(ct, 'base64'),
      aad(JSON_FORMAT_VERSION, kid, context),
      context,
    );
    try {
      return JSON.parse(plain.toString('utf8'));
    } catch {
      throw this.failure('UNKNOWN_FORMAT', context, kid, 'the decrypted value is not JSON');
    }
  }

  /** Whether a jsonb value is an encryption envelope (of any version). */
  static isEncryptedJson(value: unknown): value is EncryptedJson {
    return isEnvelopeLike(value);
  }

  /** Encrypts bytes into the binary format (version, key id, IV, tag, ciphertext). */
  encryptBytes(plain: Buffer, context: string): Buffer {
    const kid = Buffer.from(this.active.id, 'ascii');
    const { iv, tag, ct } = this.seal(plain, aad(String(BYTES_FORMAT_VERSION), this.active.id, context));
    return Buffer.concat([Buffer.from([BYTES_FORMAT_VERSION, kid.length]), kid, iv, tag, ct]);
  }

  /**
   * Decrypts the binary format. `keyIdColumn`: the key id stored next to the bytes, when there is such a column:
   * null says the bytes were stored in clear (before encryption) and returns them as they are; a string must
   * match the key id in the bytes' header. Throws DataDecryptionError.
   */
  decryptBytes(stored: Buffer, context: string, keyIdColumn?: string | null): Buffer {
    if (keyIdColumn === null) return stored;
    const header = DataCipher.bytesHeader(stored);
    if (!header) throw this.failure('UNKNOWN_FORMAT', context, keyIdColumn ?? null, 'truncated encrypted bytes');
    if (header.version !== BYTES_FORMAT_VERSION) {
      throw this.failure(
        'UNKNOWN_FORMAT',
        context,
        keyIdColumn ?? null,
        `unknown encrypted bytes format version ${header.version}`,
      );
    }
    if (keyIdColumn !== undefined && keyIdColumn !== header.keyId) {
      throw this.failure(
        'UNKNOWN_FORMAT',
        context,
        keyIdColumn,
        `the stored key id "${keyIdColumn}" differs from the ciphertext's "${header.keyId}"`,
      );
    }
    const at = 2 + header.keyIdLength;
    const iv = stored.subarray(at, at + IV_BYTES);
    const tag = stored.subarray(at + IV_BYTES, at + IV_BYTES + TAG_BYTES);
    const ct = stored.subarray(at + IV_BYTES + TAG_BYTES);
    return this.open(header.keyId, iv, tag, ct, aad(String(header.version), header.keyId, context), context);
  }

  /** The version and key id at the head of encrypted bytes; null when too short to hold a header. */
  static bytesHeader(stored: Buffer): { version: number; keyId: string; keyIdLength: number } | null {
    if (stored.length < 2) return null;
    const keyIdLength = stored[1];
    if (stored.length < 2 + keyIdLength + IV_BYTES + TAG_BYTES) return null;
    return { version: stored[0], keyId: stored.subarray(2, 2 + keyIdLength).toString('ascii'), keyIdLength };
  }

  private ivPool = Buffer.alloc(0);
  private ivPoolAt = 0;

  /**
   * A fresh random IV, drawn from the CSPRNG 256 at a time (as node:crypto's randomUUID batches) because one
   * call per value is measurably costly. Each IV is used once; a used pool is dropped, never refilled in place
   * (the IVs handed out are views into it).
   */
  private nextIv(): Buffer {
    if (this.ivPoolAt + IV_BYTES > this.ivPool.length) {
      this.ivPool = randomBytes(IV_BYTES * 256);
      this.ivPoolAt = 0;
    }
    const iv = this.ivPool.subarray(this.ivPoolAt, this.ivPoolAt + IV_BYTES);
    this.ivPoolAt += IV_BYTES;
    return iv;
  }

  private seal(plain: Buffer, additional: Buffer): { id: string; iv: Buffer; tag: Buffer; ct: Buffer } {
    const iv = this.nextIv();
    const cipher = createCipheriv('aes-256-gcm', this.active.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additional);
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    return { id: this.active.id, iv, tag: cipher.getAuthTag(), ct };
  }

  private open(kid: string, iv: Buffer, tag: Buffer, ct: Buffer, additional: Buffer, context: string): Buffer {
    const key = this.keys.get(kid);
    if (!key)
      throw this.failure(
        'UNKNOWN_KEY',
        context,
        kid,
        `encrypted under key "${kid}", which DATA_ENCRYPTION_KEYS does not hold (configured: ${[...this.keys.keys()].join(', ')})`,
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additional);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ct), decipher.final()]);
    } catch {
      throw this.failure(
        'AUTHENTICATION_FAILED',
        context,
        kid,
        `authentication failed under key "${kid}": the value was altered, belongs to another row or column, or the key under that id changed`,
      );
    }
  }

  private failure(
    reason: DecryptionFailure,
    context: string,
    keyId: string | null,
    detail: string,
  ): DataDecryptionError {
    this.logger.error({ reason, context, keyId }, `cannot decrypt ${context}: ${detail}`);
    return new DataDecryptionError(reason, context, keyId, detail);
  }
}

/** Additional authenticated data: the format version, the key id and the value's place. */
function aad(version: string, keyId: string, context: string): Buffer {
  return Buffer.from(`jumio-fallback:${version}:${keyId}:${context}`, 'utf8');
}

/** An object with `enc` and `ct`: what this code writes (any version). Jumio's payloads are not shaped so. */
function isEnvelopeLike(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(value, k);
  return has('enc') && has('ct');
}
