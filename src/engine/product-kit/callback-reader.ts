import { JumioPayloadError } from '../domain/product-contracts.js';
import type { JumioHost } from '../jumio-transport/jumio-transport.js';
import { MAX_JSON_DEPTH } from '../normalization/json-budget.js';
import { livenessHrefs } from '../normalization/media-refs.js';
import { parseJsonString, setOwn, type JsonRecord } from '../normalization/payload-readers.js';

/** A callback's form fields as Jumio posted them (the first value of each name). */
export type CallbackFields = Record<string, string>;

/**
 * The Retrieval API's URLs of the transaction's own data center. A callback's links are never followed (the
 * body is not authenticated beyond its source address): a reader uses them only to learn which media exist and
 * builds each medium's URL here, where the engine then fetches it like any retrieved href.
 */
export interface CallbackLinks {
  href(host: JumioHost, path: string): string;
}

/** What a product reads off its callback: the same payloads the Retrieval API would have answered. */
export interface CallbackContent {
  /** Shaped like the status answer (what the product's readStatus reads). */
  status: unknown;
  /** Shaped like the details answer (what the product's normalize and mediaRefs read). */
  details: unknown;
  /** When the journey happened, as Jumio wrote it (a callback for an untracked reference is tracked from then). */
  journeyAt: string | null;
  merchantReference: string | null;
  customerReference: string | null;
}

/**
 * What a product's callback lacks that its retrieval has, and the one details call that completes it (made once,
 * after the callback is applied and before the media; never when a retrieval already fetched the details).
 */
export interface CallbackCompletion {
  /** The sub-resource of the transaction to ask, e.g. `data/verification`. */
  subresource: string;
  /** The details with what the answer adds; throws JumioPayloadError when the answer is not what Jumio documents. */
  merge(details: unknown, answer: unknown): unknown;
}

/**
 * A product's reading of Jumio's callback: its field names are mapped onto the retrieval names (jumio-facts.md,
 * section 7), so the product's normalizer builds the view from it exactly as from a retrieval.
 */
export interface ProductCallbackReader {
  /** The form field that names the transaction (a UUID). */
  referenceField: string;
  /** Throws JumioPayloadError (naming the field, never a value) when the callback is not what Jumio documents. */
  read(fields: CallbackFields, links: CallbackLinks): CallbackContent;
  completion?: CallbackCompletion;
}

/** Form fields mapped one by one; `taken` records every field read, so the rest can be kept as unknown. */
export class CallbackFieldReader {
  private readonly taken = new Set<string>();

  constructor(
    readonly fields: CallbackFields,
    private readonly what: string,
  ) {}

  /** The field's value, or undefined when Jumio did not send it. */
  text(name: string): string | undefined {
    this.taken.add(name);
    return Object.prototype.hasOwnProperty.call(this.fields, name) ? this.fields[name] : undefined;
  }

  required(name: string): string {
    const v = this.text(name);
    if (v === undefined || v === '') throw new JumioPayloadError(`${this.what}: ${name} is required`);
    return v;
  }

  /** A field that holds JSON inside the form (identityVerification, rejectReason, idAddress, ...). */
  json(name: string): unknown {
    const v = this.text(name);
    if (v === undefined || v === '') return undefined;
    const parsed = parseJsonString(v);
    if (!parsed.ok && parsed.tooDeep)
      throw new JumioPayloadError(`${this.what}: ${name} nests JSON deeper than ${MAX_JSON_DEPTH} levels`);
    if (!parsed.ok) throw new JumioPayloadError(`${this.what}: ${name} is not valid JSON`);
    return parsed.value;
  }

  /** Marks fields as read on purpose (they have no retrieval counterpart and are kept only in the raw callback). */
  consume(...names: string[]): void {
    for (const n of names) this.taken.add(n);
  }

  /** Copies `from` → `to` into `target` for each pair whose field was sent. */
  copy(target: JsonRecord, renames: Record<string, string>): void {
    for (const [from, to] of Object.entries(renames)) {
      const v = this.text(from);
      if (v !== undefined) setOwn(target, to, v);
    }
  }

  /** Fields nobody read: unknown to the mapping, kept as they came (they end up under `result.extra`). */
  rest(): JsonRecord {
    const out: JsonRecord = {};
    for (const [k, v] of Object.entries(this.fields)) if (!this.taken.has(k)) setOwn(out, k, v);
    return out;
  }
}

/**
 * The liveness numbers of a callback's `livenessImages` (a JSON array of hrefs; the number is each href's
 * trailing path integer, as for retrieved lists). Only the numbers are used: the hrefs are never called.
 */
export function livenessNumbers(value: unknown): number[] {
  return [...new Set(livenessHrefs(value).map((l) => l.n))];
}

/** Whether Jumio sent a medium's field at all (a link, not empty, not `N/A`). */
export function sentMedium(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== 'N/A';
}
