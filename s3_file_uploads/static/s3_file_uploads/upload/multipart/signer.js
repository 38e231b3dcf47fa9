// Part signatures, fetched in batches just ahead of the workers that need them: which parts to
// sign together, how many per request, and the signer that shares batches between workers.
// Signing far ahead risks signatures expiring before their part is sent.

import { UploadError } from "../errors.js";

/** @typedef {import("../types.js").PartInstruction} PartInstruction */

export const DEFAULT_MAX_PARTS_PER_REQUEST = 100;
/** Parts signed per request when nothing says: enough to keep every worker busy for a while. */
const SIGN_AHEAD_PER_WORKER = 4;

/**
 * The parts to sign together when `partNumber` needs a signature: it, then the next parts in
 * `queue` that are neither signed nor being signed, `size` at most.
 * @param {number} partNumber
 * @param {Iterable<number>} queue The parts still to send, in order.
 * @param {number} size
 * @param {(partNumber: number) => boolean} [taken] Whether a part is signed or being signed.
 * @returns {number[]}
 */
export function nextSignBatch(partNumber, queue, size, taken = () => false) {
  const batch = [partNumber];
  for (const number of queue) {
    if (batch.length >= size) break;
    if (number !== partNumber && !taken(number) && !batch.includes(number)) batch.push(number);
  }
  return batch;
}

/**
 * The parts to sign ahead, in the background, so that workers never wait for a signature:
 * none while `ahead` parts at the front of `queue` are signed or being signed, else the next
 * unsigned ones, `size` at most.
 * @param {Iterable<number>} queue The parts still to send, in order.
 * @param {number} size
 * @param {number} ahead
 * @param {(partNumber: number) => boolean} taken Whether a part is signed or being signed.
 * @returns {number[]}
 */
export function signAheadBatch(queue, size, ahead, taken) {
  let ready = 0;
  const batch = [];
  for (const number of queue) {
    if (taken(number)) {
      ready += 1;
      if (ready >= ahead) return [];
    } else {
      batch.push(number);
      if (batch.length >= size) break;
    }
  }
  return batch;
}

/**
 * How many parts to sign per request: enough to keep `concurrency` workers busy, within the
 * server's maximum.
 * @param {{concurrency: number, maxPartsPerRequest?: number, signBatchSize?: number}} options
 */
export function signBatchSize({ concurrency, maxPartsPerRequest = DEFAULT_MAX_PARTS_PER_REQUEST, signBatchSize }) {
  const wanted = signBatchSize ?? Math.max(8, concurrency * SIGN_AHEAD_PER_WORKER);
  return Math.max(1, Math.min(maxPartsPerRequest, wanted));
}

/**
 * Signs parts on demand, in batches: asking for one part signs it with the next ones in the
 * queue that are not signed yet, so workers share few requests; and while a worker takes its
 * part, the next batch is signed in the background once fewer than `ahead` are ready.
 * @param {number[]} queue The parts still to send, in order (shared with the workers).
 * @param {number} batchSize
 * @param {number} ahead
 * @param {(partNumbers: number[]) => Promise<PartInstruction[]>} sign May sign only some of
 *   `partNumbers`, but always the first.
 */
export function partSigner(queue, batchSize, ahead, sign) {
  /** @type {Map<number, PartInstruction>} */
  const signed = new Map();
  /** @type {Map<number, Promise<void>>} */
  const pending = new Map();
  /** @param {number} number */
  const taken = (number) => signed.has(number) || pending.has(number);
  /** @param {number[]} numbers */
  const start = (numbers) => {
    const batch = sign(numbers)
      .then((parts) => {
        for (const part of parts) signed.set(Number(part.part_number), part);
      })
      .finally(() => {
        for (const number of numbers) pending.delete(number);
      });
    // A background batch that fails is signed again by the worker that needs it.
    batch.catch(() => {});
    for (const number of numbers) pending.set(number, batch);
  };
  return {
    /** @param {number} partNumber @returns {Promise<PartInstruction>} */
    async get(partNumber) {
      // A batch may sign only some of its parts (those hashed in time): a part it left out is
      // signed again, first in a batch of its own making, which always signs its first part.
      for (;;) {
        const first = !taken(partNumber);
        if (first) start(nextSignBatch(partNumber, queue, batchSize, taken));
        const next = signAheadBatch(queue, batchSize, ahead, taken);
        if (next.length) start(next);
        await pending.get(partNumber);
        const part = signed.get(partNumber);
        if (part) return part;
        if (first) throw new UploadError(`The server did not sign part ${partNumber}.`, { status: 502, phase: "request" });
      }
    },
    /** @param {number} partNumber */
    forget(partNumber) {
      signed.delete(partNumber);
    },
  };
}
