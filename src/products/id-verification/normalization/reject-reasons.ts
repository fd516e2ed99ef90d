/**
 * Jumio's reject reason tables for ID Verification (retrieval guide, its changelog up to 2022-01-26, and the
 * callback guide). Codes are strings, as Jumio sends them. The list is open-ended: Jumio adds codes, so a
 * look-up of a code not listed here answers `null` and the code is kept as it came.
 */

/** Current reject reason codes → names. */
export const REJECT_REASON_NAMES: ReadonlyMap<string, string> = new Map([
  ['100', 'MANIPULATED_DOCUMENT'],
  ['102', 'PHOTOCOPY_BLACK_WHITE'],
  ['103', 'PHOTOCOPY_COLOR'],
  ['104', 'DIGITAL_COPY'],
  ['105', 'FRAUDSTER'],
  ['106', 'FAKE'],
  ['107', 'PHOTO_MISMATCH'],
  ['108', 'MRZ_CHECK_FAILED'],
  ['109', 'PUNCHED_DOCUMENT'],
  ['110', 'CHIP_DATA_MANIPULATED'],
  ['111', 'MISMATCH_PRINTED_BARCODE_DATA'],
  ['112', 'CHIP_MISSING'],
  ['113', 'MISMATCHING_DATA_REPEATED_FACE'],
  ['114', 'DIGITAL_MANIPULATION'],
  ['115', 'MISMATCH_HRZ_MRZ_DATA'],
  ['116', 'SUPERIMPOSED_TEXT'],
  ['118', 'MISMATCH_FRONT_BACK'],
  ['200', 'NOT_READABLE_DOCUMENT'],
  ['201', 'NO_DOCUMENT'],
  ['202', 'SAMPLE_DOCUMENT'],
  ['206', 'MISSING_BACK'],
  ['207', 'WRONG_DOCUMENT_PAGE'],
  ['209', 'MISSING_SIGNATURE'],
  ['210', 'CAMERA_BLACK_WHITE'],
  ['211', 'DIFFERENT_PERSONS_SHOWN'],
  ['213', 'INVALID_WATERMARK'],
  ['214', 'MISSING_FRONT'],
  ['300', 'MANUAL_REJECTION'],
]);

/**
 * Retired codes that old transactions may still carry: 212 (callback guide 2017, ePassport) and 208 (removed
 * 2013-10-29). 205 was retired too, but no guide gives its name.
 */
export const RETIRED_REJECT_REASON_NAMES: ReadonlyMap<string, string> = new Map([
  ['208', 'NOTHING_SHOWN'],
  ['212', 'IMAGE_NOT_MATCHING_DATA'],
]);

/** Reject reason detail codes → names (1xxx for code 100, 2xxx for code 200; 10011 has five digits). */
export const REJECT_REASON_DETAIL_NAMES: ReadonlyMap<string, string> = new Map([
  ['1001', 'PHOTO'],
  ['1002', 'DOCUMENT_NUMBER'],
  ['1003', 'EXPIRY'],
  ['1004', 'DOB'],
  ['1005', 'NAME'],
  ['1006', 'ADDRESS'],
  ['1007', 'SECURITY_CHECKS'],
  ['1008', 'SIGNATURE'],
  ['1009', 'PERSONAL_NUMBER'],
  ['10011', 'PLACE_OF_BIRTH'],
  ['2001', 'BLURRED'],
  ['2002', 'BAD_QUALITY'],
  ['2003', 'MISSING_PART_DOCUMENT'],
  ['2004', 'HIDDEN_PART_DOCUMENT'],
  ['2005', 'DAMAGED_DOCUMENT'],
  ['2006', 'GLARE'],
  ['2007', 'MISSING_MANDATORY_DATAPOINTS'],
]);

/** The name of a reject reason code (current or retired); `null` for a code no table lists. */
export function rejectReasonName(code: string): string | null {
  return REJECT_REASON_NAMES.get(code) ?? RETIRED_REJECT_REASON_NAMES.get(code) ?? null;
}

/** The name of a reject reason detail code; `null` for a code no table lists. */
export function rejectReasonDetailName(code: string): string | null {
  return REJECT_REASON_DETAIL_NAMES.get(code) ?? null;
}
