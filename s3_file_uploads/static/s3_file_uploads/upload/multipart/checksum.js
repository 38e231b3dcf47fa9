// Part checksums: each part's digest in the plan's algorithm, from the part's slice just before
// the part is signed, in base64 as the server signs it into the part (S3's
// x-amz-checksum-sha256, a Content-MD5 on GCS and Azure). Storage then refuses other bytes, and
// complete holds every stored part to it. SHA-256 is the browser's own SubtleCrypto (native);
// MD5, which SubtleCrypto lacks, is md5.js.

import { UploadError } from "../errors.js";
import { md5 } from "./md5.js";

/** @typedef {import("./plan.js").PartRange} PartRange */

/** The plan's `part_checksum` names, and how to hash a part in each. */
const DIGESTS = {
  /** @param {ArrayBuffer} data */
  sha256: (data) => sha256Base64(data),
  /** @param {ArrayBuffer} data */
  md5: async (data) => toBase64(md5(new Uint8Array(data))),
};

/**
 * The base64 of `bytes`, as HTTP headers carry checksums.
 * @param {Uint8Array} bytes
 */
export function toBase64(bytes) {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/**
 * The SHA-256 of `data`, in base64.
 * @param {ArrayBuffer|Uint8Array} data
 * @returns {Promise<string>}
 */
export async function sha256Base64(data) {
  return toBase64(new Uint8Array(await crypto.subtle.digest("SHA-256", data)));
}

/**
 * Hashes the parts of `file` the plan asks checksums for, each once and one at a time (so one
 * part at most is held in memory), in the order they are asked for; null when the plan asks
 * for none. `ready` hashes a batch and gives, as soon as its first part is hashed, the parts
 * hashed by then, in order, so a signature never waits for a whole batch's hashing.
 * @param {Blob} file
 * @param {PartRange[]} ranges
 * @param {string|null|undefined} algorithm The plan's `part_checksum`.
 * @returns {{get(partNumber: number): Promise<string>,
 *            ready(partNumbers: number[]): Promise<{partNumbers: number[], checksums: string[]}>}|null}
 */
export function partHasher(file, ranges, algorithm) {
  if (!algorithm) return null;
  if (!(algorithm in DIGESTS)) {
    throw new UploadError(`The server asks for ${algorithm} part checksums, which this client cannot compute.`, { phase: "create" });
  }
  if (algorithm === "sha256" && !globalThis.crypto?.subtle) {
    throw new UploadError(
      "This page cannot hash the file's parts: browsers offer SubtleCrypto only to HTTPS (and localhost) pages. Serve the page over HTTPS, or turn the storage's part checksums off.",
      { phase: "create" },
    );
  }
  const digest = DIGESTS[/** @type {keyof DIGESTS} */ (algorithm)];
  /** @type {Map<number, Promise<string>>} */
  const hashed = new Map();
  /** @type {Map<number, string>} */
  const done = new Map();
  /** @type {Promise<unknown>} */
  let previous = Promise.resolve();
  /** @param {number} partNumber */
  const get = (partNumber) => {
    let checksum = hashed.get(partNumber);
    if (!checksum) {
      const { start, end } = ranges[partNumber - 1];
      checksum = previous.then(() => file.slice(start, end).arrayBuffer()).then(digest);
      checksum.then((value) => done.set(partNumber, value), () => {});
      previous = checksum.catch(() => {});
      hashed.set(partNumber, checksum);
    }
    return checksum;
  };
  return {
    get,
    async ready(partNumbers) {
      const [first] = partNumbers.map(get);
      await first;
      const ready = [];
      for (const number of partNumbers) {
        if (!done.has(number)) break;
        ready.push(number);
      }
      return { partNumbers: ready, checksums: ready.map((number) => /** @type {string} */ (done.get(number))) };
    },
  };
}
