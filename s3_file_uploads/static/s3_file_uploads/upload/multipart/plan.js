// A multipart upload's plan and its state, with no requests: whether to ask for parts, the
// byte range of each part, which parts are still to send, which ones complete says to resend,
// and the progress summed across parts.

import { UploadError } from "../errors.js";

/** @typedef {import("../types.js").Progress} Progress */
/** @typedef {import("../types.js").StoredPart} StoredPart */
/** @typedef {{partNumber: number, start: number, end: number, size: number}} PartRange */

/**
 * Whether to ask for a multipart upload: the value of the create request's `multipart`, or
 * undefined to let Django decide from the size.
 * @param {number} size
 * @param {{multipart?: boolean, multipartThreshold?: number}} [options]
 * @returns {boolean|undefined}
 */
export function multipartChoice(size, { multipart, multipartThreshold } = {}) {
  if (multipart === true || multipart === false) return multipart;
  if (multipartThreshold != null && size > multipartThreshold) return true;
  return undefined;
}

/**
 * The byte range of every part: every part has `partSize` bytes but the last.
 * @param {number} size
 * @param {number} partSize
 * @returns {PartRange[]}
 */
export function partRanges(size, partSize) {
  if (!(partSize > 0)) throw new RangeError(`A part size must be positive, not ${partSize}.`);
  const ranges = [];
  for (let start = 0, partNumber = 1; start < size; start += partSize, partNumber += 1) {
    const end = Math.min(size, start + partSize);
    ranges.push({ partNumber, start, end, size: end - start });
  }
  return ranges;
}

/**
 * The part numbers still to send: those not stored, or stored at another length.
 * @param {Array<{partNumber: number, size: number}>} ranges
 * @param {StoredPart[]} stored As the parts listing gives them.
 * @returns {number[]}
 */
export function missingParts(ranges, stored) {
  const held = new Map((stored || []).map((part) => [Number(part.part_number), Number(part.size)]));
  return ranges.filter((range) => held.get(range.partNumber) !== range.size).map((range) => range.partNumber);
}

/**
 * The parts a complete's 409 says to send again, or null when it says nothing of parts.
 * @param {unknown} error
 * @returns {number[]|null}
 */
export function partsToResend(error) {
  if (!(error instanceof UploadError) || error.status !== 409) return null;
  const body = /** @type {{missing_parts?: unknown, wrong_size_parts?: unknown}} */ (error.body);
  if (!body || typeof body !== "object") return null;
  const numbers = [body.missing_parts, body.wrong_size_parts].flatMap((list) => (Array.isArray(list) ? list : []));
  const unique = [...new Set(numbers.map(Number).filter((n) => Number.isInteger(n) && n > 0))].sort((a, b) => a - b);
  return unique.length ? unique : null;
}

/**
 * Progress across parts: the sum of every part's loaded bytes, reported never backwards
 * (a retried part starts again from zero without moving the bar back) and once per change.
 * @param {number} total
 * @param {(progress: Progress) => void} [onProgress]
 */
export function partProgress(total, onProgress) {
  /** @type {Map<number, number>} */
  const loaded = new Map();
  let sum = 0;
  let reported = -1;
  const report = () => {
    const value = Math.min(total, Math.max(reported, sum));
    if (value === reported) return;
    reported = value;
    onProgress?.({ loaded: value, total });
  };
  return {
    /**
     * @param {number} partNumber
     * @param {number} bytes Bytes of this part sent so far.
     * @param {{quiet?: boolean}} [options] quiet: count without reporting.
     */
    set(partNumber, bytes, { quiet = false } = {}) {
      sum += bytes - (loaded.get(partNumber) ?? 0);
      loaded.set(partNumber, bytes);
      if (!quiet) report();
    },
    report,
    get loaded() {
      return sum;
    },
  };
}
