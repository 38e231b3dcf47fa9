// The browser client's multipart uploads: pure logic, then whole uploads against a real HTTP
// server on loopback that answers like Django's multipart API and a storage behind it.
// Node has no XMLHttpRequest, so parts go out through the client's fetch path.
// Run with: node --test js-tests/
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";

import {
  UploadError,
  fileFingerprint,
  missingParts,
  multipartChoice,
  nextSignBatch,
  signAheadBatch,
  partProgress,
  partRanges,
  partsToResend,
  pendingUpload,
  resumeEntry,
  resumeKey,
  signBatchSize,
  uploadFile,
  usableResumeEntry,
} from "../s3_file_uploads/static/s3_file_uploads/upload.js";
import { partHasher, sha256Base64, toBase64 } from "../s3_file_uploads/static/s3_file_uploads/upload/multipart/checksum.js";
import { md5 } from "../s3_file_uploads/static/s3_file_uploads/upload/multipart/md5.js";
import { partSigner } from "../s3_file_uploads/static/s3_file_uploads/upload/multipart/signer.js";

describe("multipart helpers", () => {
  test("multipart is asked for when forced or over the threshold, else the server decides", () => {
    assert.equal(multipartChoice(10), undefined);
    assert.equal(multipartChoice(10, { multipart: true }), true);
    assert.equal(multipartChoice(10 ** 9, { multipart: false, multipartThreshold: 1 }), false);
    assert.equal(multipartChoice(101, { multipartThreshold: 100 }), true);
    assert.equal(multipartChoice(100, { multipartThreshold: 100 }), undefined);
  });

  test("part ranges cover the file; every part has part_size bytes but the last", () => {
    assert.deepEqual(partRanges(25, 10), [
      { partNumber: 1, start: 0, end: 10, size: 10 },
      { partNumber: 2, start: 10, end: 20, size: 10 },
      { partNumber: 3, start: 20, end: 25, size: 5 },
    ]);
    assert.deepEqual(partRanges(20, 10).map((r) => r.size), [10, 10]);
    assert.deepEqual(partRanges(1, 10), [{ partNumber: 1, start: 0, end: 1, size: 1 }]);
    assert.deepEqual(partRanges(0, 10), []);
    const big = partRanges(1024 ** 3 + 1, 8 * 1024 ** 2);
    assert.equal(big.length, 129);
    assert.equal(big.at(-1).size, 1);
    assert.equal(big.reduce((sum, r) => sum + r.size, 0), 1024 ** 3 + 1);
    assert.throws(() => partRanges(10, 0), RangeError);
  });

  test("missing parts: not stored, or stored at another length", () => {
    const ranges = partRanges(25, 10);
    assert.deepEqual(missingParts(ranges, []), [1, 2, 3]);
    assert.deepEqual(missingParts(ranges, [{ part_number: 2, size: 10 }]), [1, 3]);
    assert.deepEqual(missingParts(ranges, [{ part_number: 3, size: 10 }, { part_number: 1, size: 10 }]), [2, 3]);
    assert.deepEqual(missingParts(ranges, [1, 2, 3].map((n) => ({ part_number: n, size: n === 3 ? 5 : 10, etag: "x" }))), []);
  });

  test("a sign batch starts with the part asked for, skips parts already taken, stops at its size", () => {
    assert.deepEqual(nextSignBatch(1, [2, 3, 4, 5], 3), [1, 2, 3]);
    assert.deepEqual(nextSignBatch(4, [1, 2, 3, 5, 6], 3, (n) => n < 3), [4, 3, 5]);
    assert.deepEqual(nextSignBatch(7, [], 5), [7]);
    assert.deepEqual(nextSignBatch(2, [2, 3], 5), [2, 3]);
    const signed = new Set([5, 6, 7]);
    assert.deepEqual(signAheadBatch([5, 6, 7, 8, 9, 10], 2, 4, (n) => signed.has(n)), [8, 9], "3 ready, 4 wanted");
    assert.deepEqual(signAheadBatch([5, 6, 7, 8, 9, 10], 2, 3, (n) => signed.has(n)), [], "3 ready is enough");
    assert.deepEqual(signAheadBatch([8, 5, 9], 5, 4, (n) => signed.has(n)), [8, 9]);
    assert.deepEqual(signAheadBatch([], 5, 4, () => false), []);
    assert.equal(signBatchSize({ concurrency: 4 }), 16);
    assert.equal(signBatchSize({ concurrency: 1 }), 8);
    assert.equal(signBatchSize({ concurrency: 64, maxPartsPerRequest: 100 }), 100);
    assert.equal(signBatchSize({ concurrency: 4, maxPartsPerRequest: 10, signBatchSize: 50 }), 10);
  });

  test("a file's fingerprint is its name, size, modification time and type", () => {
    const file = (name, body, lastModified, type = "video/mp4") => new File([body], name, { lastModified, type });
    assert.equal(fileFingerprint(file("a.mp4", "abc", 1)), fileFingerprint(file("a.mp4", "xyz", 1)));
    const base = fileFingerprint(file("a.mp4", "abc", 1));
    for (const other of [file("b.mp4", "abc", 1), file("a.mp4", "abcd", 1), file("a.mp4", "abc", 2), file("a.mp4", "abc", 1, "")]) {
      assert.notEqual(fileFingerprint(other), base);
    }
    assert.ok(resumeKey(file("a.mp4", "abc", 1)).startsWith("s3-file-uploads:resume:"));
  });

  test("a remembered upload resumes only the same size to the same endpoint, while fresh", () => {
    const created = {
      id: "u1",
      complete_url: "http://app/api/u1/complete/",
      multipart: { part_size: 10, part_count: 3, parts_url: "http://app/api/u1/parts/", abort_url: "http://app/api/u1/abort/", concurrency: 4, max_parts_per_request: 100 },
    };
    const entry = resumeEntry(created, "http://app/api/", 25, 1000);
    assert.deepEqual(entry, {
      version: 1, endpoint: "http://app/api/", uploadId: "u1", completeUrl: "http://app/api/u1/complete/",
      partsUrl: "http://app/api/u1/parts/", abortUrl: "http://app/api/u1/abort/", partSize: 10, partCount: 3,
      size: 25, concurrency: 4, maxPartsPerRequest: 100, partChecksum: null, savedAt: 1000,
    });
    const wanted = { endpoint: "http://app/api/", size: 25, now: 2000 };
    assert.equal(usableResumeEntry(entry, wanted), entry);
    assert.equal(usableResumeEntry(JSON.parse(JSON.stringify(entry)), wanted).uploadId, "u1");
    assert.equal(usableResumeEntry(entry, { ...wanted, endpoint: "http://other/api/" }), null);
    assert.equal(usableResumeEntry(entry, { ...wanted, size: 26 }), null);
    assert.equal(usableResumeEntry(entry, { ...wanted, now: 1000 + 8 * 24 * 3600 * 1000 }), null);
    assert.equal(usableResumeEntry({ ...entry, version: 0 }, wanted), null);
    assert.equal(usableResumeEntry("junk", wanted), null);
    assert.equal(usableResumeEntry(null, wanted), null);
  });

  test("progress sums the parts, never goes back, reports each value once", () => {
    const seen = [];
    const progress = partProgress(25, (p) => seen.push(p.loaded));
    progress.set(3, 5, { quiet: true });
    progress.report();
    progress.set(1, 4);
    progress.set(2, 6);
    progress.set(2, 6);
    progress.set(1, 0); // a retried part starts again
    progress.set(1, 10);
    progress.set(2, 10);
    assert.deepEqual(seen, [5, 9, 15, 21, 25]);
    assert.equal(seen.at(-1), 25);
  });

  test("complete's 409 names the parts to send again", () => {
    const gap = (body) => new UploadError("Some parts are missing", { status: 409, phase: "complete", body });
    assert.deepEqual(partsToResend(gap({ missing_parts: [4, 2], wrong_size_parts: [2, 7] })), [2, 4, 7]);
    assert.equal(partsToResend(gap({ detail: "No file has arrived." })), null);
    assert.equal(partsToResend(gap({ missing_parts: [], wrong_size_parts: [] })), null);
    assert.equal(partsToResend(new UploadError("x", { status: 400, body: { missing_parts: [1] } })), null);
    assert.equal(partsToResend(new Error("x")), null);
  });
});

/** A localStorage stand-in with the same three methods. */
class MemoryStore {
  constructor() {
    this.items = new Map();
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  setItem(key, value) {
    this.items.set(key, String(value));
  }
  removeItem(key) {
    this.items.delete(key);
  }
}

/**
 * Django's multipart API and a storage, on one loopback server. Parts are held in memory;
 * `faults` make chosen requests fail, `delay` keeps parts in flight long enough to overlap.
 */
class FakeCloud {
  constructor({ partSize = 1000, concurrency = 3, maxPartsPerRequest = 100, delay = 5, partChecksum = null } = {}) {
    Object.assign(this, { partSize, concurrency, maxPartsPerRequest, delay, partChecksum });
    this.uploads = new Map();
    this.log = [];
    this.faults = [];
    this.inFlight = 0;
    this.maxInFlight = 0;
    this.nextId = 1;
  }

  async listen() {
    this.server = http.createServer((request, response) => this.handle(request, response).catch((error) => {
      response.writeHead(500);
      response.end(String(error));
    }));
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.base = `http://127.0.0.1:${this.server.address().port}`;
    this.endpoint = `${this.base}/api/uploads/`;
  }

  close() {
    this.server.close();
  }

  puts(id) {
    return this.log.filter((r) => r.method === "PUT" && r.id === id).map((r) => r.part);
  }

  /** The next request `match` accepts fails with `status`. */
  fault(match, status = 500) {
    this.faults.push({ match, status });
  }

  async handle(request, response) {
    const url = new URL(request.url, this.base);
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const reply = (status, data, headers = {}) => {
      response.writeHead(status, { "Content-Type": "application/json", ...headers });
      response.end(data === undefined ? "" : JSON.stringify(data));
    };
    const match = /^\/api\/uploads\/(?:(\w+)\/(parts|complete|abort)\/)?$/.exec(url.pathname);
    const storage = /^\/storage\/(\w+)\/(\d+)$/.exec(url.pathname);
    const entry = { method: request.method, path: url.pathname, id: (match || storage || [])[1], part: storage ? Number(storage[2]) : undefined };
    this.log.push(entry);
    const fault = this.faults.findIndex((f) => f.match(entry));
    if (fault >= 0) {
      const [{ status }] = this.faults.splice(fault, 1);
      return reply(status, { detail: `injected ${status}` });
    }

    if (match && !match[1] && request.method === "POST") {
      const wanted = JSON.parse(body);
      const id = `u${this.nextId++}`;
      const multipart = wanted.multipart ?? wanted.size > 3000;
      const upload = { id, size: wanted.size, parts: new Map(), state: "AWAIT_COMPLETE", request: wanted, signed: [], declared: new Map() };
      this.uploads.set(id, upload);
      if (!multipart) {
        return reply(201, { id, upload: { method: "PUT", url: `${this.base}/storage/${id}/0`, headers: {} }, complete_url: `${this.endpoint}${id}/complete/`, multipart: false });
      }
      upload.partCount = Math.ceil(wanted.size / this.partSize);
      return reply(201, {
        id, upload: null, complete_url: `${this.endpoint}${id}/complete/`,
        multipart: {
          part_size: this.partSize, part_count: upload.partCount, concurrency: this.concurrency,
          max_parts_per_request: this.maxPartsPerRequest, part_checksum: this.partChecksum,
          parts_url: `${this.endpoint}${id}/parts/`, abort_url: `${this.endpoint}${id}/abort/`,
        },
      });
    }
    const upload = this.uploads.get(entry.id);
    if (!upload) return reply(404, { detail: "No upload of yours has this id." });
    if (match && upload.state !== "AWAIT_COMPLETE") return reply(400, { detail: `This upload is ${upload.state.toLowerCase()}.` });
    const partLength = (n) => (n < upload.partCount ? this.partSize : upload.size - this.partSize * (upload.partCount - 1));

    if (match?.[2] === "parts" && request.method === "POST") {
      const { part_numbers: named = [], parts: declared = [] } = JSON.parse(body);
      for (const { part_number: n, checksum } of declared) upload.declared.set(n, checksum);
      const numbers = [...named, ...declared.map((p) => p.part_number)];
      upload.signed.push(numbers);
      return reply(200, {
        parts: numbers.map((n) => ({ part_number: n, method: "PUT", url: `${this.base}/storage/${upload.id}/${n}`, size: partLength(n), headers: { "x-part": String(n) } })),
      });
    }
    if (match?.[2] === "parts") {
      return reply(200, {
        part_size: this.partSize, part_count: upload.partCount, part_checksum: this.partChecksum,
        parts: [...upload.parts].sort(([a], [b]) => a - b).map(([n, bytes]) => ({ part_number: n, size: bytes.length, etag: "e" })),
      });
    }
    if (storage && request.method === "PUT") {
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise((resolve) => setTimeout(resolve, this.delay));
      this.inFlight -= 1;
      if (upload.state !== "AWAIT_COMPLETE") return reply(404, { detail: "gone" });
      const n = entry.part;
      if (n === 0) {
        upload.single = body;
        return reply(200, {});
      }
      if (request.headers["x-part"] !== String(n)) return reply(400, { detail: "headers not sent" });
      if (body.length !== partLength(n)) return reply(400, { detail: `part ${n} must be ${partLength(n)} bytes` });
      if (this.partChecksum && upload.declared.get(n) !== createHash("sha256").update(body).digest("base64")) {
        return reply(400, { detail: "BadDigest: the part's bytes are not its signed checksum" });
      }
      upload.parts.set(n, body);
      return reply(200, {}, { ETag: '"e"' });
    }
    if (match?.[2] === "complete") {
      if (upload.single) {
        upload.state = "COMPLETED";
        upload.bytes = upload.single;
        return reply(200, { id: upload.id, status: "COMPLETED", size: upload.bytes.length });
      }
      if (this.dropOnNextComplete) {
        for (const n of this.dropOnNextComplete) upload.parts.delete(n);
        this.dropOnNextComplete = null;
      }
      const missing = [];
      for (let n = 1; n <= upload.partCount; n += 1) if (!upload.parts.has(n)) missing.push(n);
      if (missing.length) return reply(409, { detail: "Some parts are not stored yet.", missing_parts: missing, wrong_size_parts: [], status: upload.state });
      upload.bytes = Buffer.concat([...upload.parts].sort(([a], [b]) => a - b).map(([, bytes]) => bytes));
      upload.state = "COMPLETED";
      return reply(200, { id: upload.id, status: "COMPLETED", size: upload.bytes.length, multipart: true });
    }
    if (match?.[2] === "abort") {
      upload.state = "FAILED";
      upload.parts.clear();
      return reply(204);
    }
    return reply(404, { detail: "not here" });
  }
}

describe("multipart uploads (real HTTP on loopback)", () => {
  const cloud = new FakeCloud();
  let store;
  const fast = { baseDelay: 5, maxDelay: 20 };

  before(() => cloud.listen());
  after(() => cloud.close());
  beforeEach(() => {
    store = new MemoryStore();
    cloud.log.length = 0;
    cloud.faults.length = 0;
    cloud.maxInFlight = 0;
  });

  const newFile = (size, name = "movie.mp4") => {
    const bytes = randomBytes(size);
    return { bytes, file: new File([bytes], name, { type: "video/mp4", lastModified: 1_700_000_000_000 }) };
  };
  const upload = (file, options = {}) => uploadFile(file, { endpoint: cloud.endpoint, resumeStore: store, backoff: fast, ...options });

  test("sends every part in parallel, signs them in batches, then completes", async () => {
    const { bytes, file } = newFile(10_500);
    const seen = [];
    const done = await upload(file, { signBatchSize: 4, onProgress: ({ loaded, total }) => seen.push([loaded, total]) });

    assert.equal(done.status, "COMPLETED");
    const sent = cloud.uploads.get(done.id);
    assert.deepEqual(sent.request, { filename: "movie.mp4", size: 10_500, content_type: "video/mp4" });
    assert.ok(sent.bytes.equals(bytes));
    assert.deepEqual(cloud.puts(done.id).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(cloud.maxInFlight, 3, "the plan's concurrency");
    assert.ok(sent.signed.length <= 4, JSON.stringify(sent.signed));
    assert.ok(sent.signed.every((batch) => batch.length <= 4));
    assert.deepEqual(sent.signed.flat().sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const loaded = seen.map(([value]) => value);
    assert.deepEqual(loaded, [...loaded].sort((a, b) => a - b));
    assert.deepEqual(seen.at(-1), [10_500, 10_500]);
    assert.equal(store.items.size, 0, "a completed upload is forgotten");
  });

  test("the concurrency option overrides the plan; multipart: true forces a small file into parts", async () => {
    const { bytes, file } = newFile(2500);
    const done = await upload(file, { concurrency: 1, multipart: true });
    assert.equal(cloud.uploads.get(done.id).request.multipart, true);
    assert.ok(cloud.uploads.get(done.id).bytes.equals(bytes));
    assert.equal(cloud.maxInFlight, 1);
    const single = await upload(newFile(2500, "small.bin").file);
    assert.equal(cloud.uploads.get(single.id).request.multipart, undefined);
    assert.equal(cloud.uploads.get(single.id).single.length, 2500);
  });

  test("a part that fails is retried on its own", async () => {
    const { bytes, file } = newFile(5000);
    let failed = 0;
    cloud.fault((r) => r.method === "PUT" && r.part === 3 && ++failed <= 2);
    const done = await upload(file);
    assert.ok(cloud.uploads.get(done.id).bytes.equals(bytes));
    const puts = cloud.puts(done.id);
    assert.equal(puts.filter((n) => n === 3).length, 2, "part 3 failed once, then was sent again");
    assert.equal(puts.length, 6);
  });

  test("a failing part that runs out of retries fails the upload, which stays resumable", async () => {
    const { bytes, file } = newFile(5000);
    for (let i = 0; i < 3; i += 1) cloud.fault((r) => r.method === "PUT" && r.part === 2);
    await assert.rejects(upload(file, { retries: 2 }), (error) => error instanceof UploadError && error.status === 500);
    const entry = pendingUpload(file, { endpoint: cloud.endpoint, resumeStore: store });
    assert.ok(entry, "the upload is remembered");
    const stored = [...cloud.uploads.get(entry.uploadId).parts.keys()];
    assert.ok(!stored.includes(2));

    cloud.log.length = 0;
    const done = await upload(file);
    assert.equal(done.id, entry.uploadId);
    assert.ok(cloud.uploads.get(done.id).bytes.equals(bytes));
    const resent = cloud.puts(done.id);
    for (const n of stored) assert.ok(!resent.includes(n), `part ${n} was stored and sent again`);
    assert.ok(resent.includes(2));
    assert.equal(store.items.size, 0);
  });

  test("a later call with the same file lists the stored parts and sends only the others", async () => {
    const { bytes, file } = newFile(6200);
    // The first attempt stops after four parts, as a reload would: nothing is aborted.
    cloud.fault((r) => r.method === "PUT" && r.part === 5);
    await assert.rejects(upload(file, { retries: 0, concurrency: 1 }));
    const entry = JSON.parse([...store.items.values()][0]);
    const stored = [...cloud.uploads.get(entry.uploadId).parts.keys()].sort();
    assert.deepEqual(stored, [1, 2, 3, 4]);

    cloud.log.length = 0;
    const seen = [];
    const done = await upload(file, { onProgress: ({ loaded }) => seen.push(loaded) });
    assert.equal(done.id, entry.uploadId);
    assert.ok(cloud.uploads.get(done.id).bytes.equals(bytes));
    assert.deepEqual(cloud.puts(done.id).sort(), [5, 6, 7]);
    assert.equal(cloud.log.filter((r) => r.method === "GET" && r.path.endsWith("/parts/")).length, 1);
    assert.equal(cloud.log.filter((r) => r.method === "POST" && r.path === "/api/uploads/").length, 0, "no new upload");
    assert.equal(seen[0], 4000, "progress starts at the stored bytes");
    assert.equal(seen.at(-1), 6200);
  });

  test("a remembered upload that is gone on the server starts afresh", async () => {
    const { bytes, file } = newFile(4100);
    cloud.fault((r) => r.method === "PUT" && r.part === 1);
    await assert.rejects(upload(file, { retries: 0 }));
    const { uploadId } = JSON.parse([...store.items.values()][0]);
    cloud.uploads.delete(uploadId);

    const done = await upload(file);
    assert.notEqual(done.id, uploadId);
    assert.ok(cloud.uploads.get(done.id).bytes.equals(bytes));
  });

  test("complete's 409 with missing parts sends them and completes again", async () => {
    const { bytes, file } = newFile(4500);
    cloud.dropOnNextComplete = [2, 4]; // as if storage lost them
    const done = await upload(file);
    assert.ok(cloud.uploads.get(done.id).bytes.equals(bytes));
    const puts = cloud.puts(done.id);
    assert.equal(puts.filter((n) => n === 2).length, 2);
    assert.equal(puts.filter((n) => n === 4).length, 2);
    assert.equal(puts.filter((n) => n === 1).length, 1);
    assert.equal(cloud.log.filter((r) => r.path.endsWith("/complete/")).length, 2);
  });

  test("cancelling stops the parts, aborts the upload on the server and forgets it", async () => {
    const { file } = newFile(20_000);
    const controller = new AbortController();
    cloud.delay = 30;
    try {
      const pending = upload(file, {
        signal: controller.signal,
        concurrency: 2,
        onProgress: ({ loaded }) => {
          if (loaded >= 2000) controller.abort();
        },
      });
      await assert.rejects(pending, { name: "AbortError" });
    } finally {
      cloud.delay = 5;
    }
    const id = cloud.log.find((r) => r.id)?.id;
    assert.equal(cloud.log.filter((r) => r.path.endsWith("/abort/")).length, 1);
    assert.equal(cloud.uploads.get(id).state, "FAILED");
    assert.ok(cloud.puts(id).length < 20, "it stopped early");
    assert.equal(store.items.size, 0);
    const putsAfter = cloud.puts(id).length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(cloud.puts(id).length, putsAfter, "no part is sent after the cancel");
  });

  test("an expired part signature (403) is signed again once", async () => {
    const { bytes, file } = newFile(3500);
    cloud.fault((r) => r.method === "PUT" && r.part === 2, 403);
    const done = await upload(file, { retries: 0 });
    assert.ok(cloud.uploads.get(done.id).bytes.equals(bytes));
    assert.equal(cloud.uploads.get(done.id).signed.flat().filter((n) => n === 2).length, 2);
    assert.equal(cloud.puts(done.id).filter((n) => n === 2).length, 2);

    cloud.fault((r) => r.method === "PUT" && r.part === 1, 403);
    cloud.fault((r) => r.method === "PUT" && r.part === 1, 403);
    await assert.rejects(upload(newFile(3500, "other.mp4").file), { status: 403 });
  });

  test("the same file twice at once: two uploads, only the first remembered", async () => {
    const { bytes, file } = newFile(4100);
    const remembered = [];
    const original = store.setItem.bind(store);
    store.setItem = (key, value) => {
      remembered.push(JSON.parse(value).uploadId);
      original(key, value);
    };
    const [one, two] = await Promise.all([upload(file), upload(file)]);
    assert.notEqual(one.id, two.id);
    assert.ok(cloud.uploads.get(one.id).bytes.equals(bytes));
    assert.ok(cloud.uploads.get(two.id).bytes.equals(bytes));
    assert.deepEqual(remembered, [one.id]);
    assert.equal(store.items.size, 0);
  });

  test("resume: false neither remembers nor resumes", async () => {
    const { file } = newFile(4100);
    cloud.fault((r) => r.method === "PUT" && r.part === 1);
    await assert.rejects(upload(file, { retries: 0, resume: false }));
    assert.equal(store.items.size, 0);
  });
});

describe("part checksums", () => {
  const sha256 = (bytes) => createHash("sha256").update(bytes).digest("base64");

  test("a part's checksum is the SHA-256 of its bytes in base64, as Node computes it", async () => {
    assert.equal(await sha256Base64(new TextEncoder().encode("abc")), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    const bytes = randomBytes(100_000);
    assert.equal(await sha256Base64(bytes), sha256(bytes));
    assert.equal(toBase64(new Uint8Array([0, 255, 62, 63])), "AP8+Pw==");
  });

  test("a part a batch left unsigned is signed again, first in a batch of its own", async () => {
    const asked = [];
    const signer = partSigner([1, 2, 3, 4], 4, 1, async (numbers) => {
      asked.push(numbers);
      return [{ part_number: numbers[0], url: `u${numbers[0]}` }]; // only the first was hashed in time
    });

    const parts = await Promise.all([1, 2, 3].map((n) => signer.get(n)));

    assert.deepEqual(parts.map((p) => p.url), ["u1", "u2", "u3"]);
    assert.deepEqual(asked[0], [1, 2, 3, 4]);
    assert.ok(asked.every((batch) => batch.length >= 1));
  });

  test("MD5, which SubtleCrypto lacks, matches Node's at every length around a block's end", () => {
    const hex = (digest) => Buffer.from(digest).toString("hex");
    assert.equal(hex(md5(new TextEncoder().encode("abc"))), "900150983cd24fb0d6963f7d28e17f72");
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 100_001]) {
      const bytes = randomBytes(length);
      assert.equal(hex(md5(bytes)), createHash("md5").update(bytes).digest("hex"), `${length} bytes`);
    }
  });

  test("the hasher hashes each part's own slice once, and none when the plan asks for none", async () => {
    const bytes = randomBytes(2500);
    const file = new File([bytes], "f.bin");
    const hasher = partHasher(file, partRanges(2500, 1000), "sha256");
    const [third, first, again] = await Promise.all([hasher.get(3), hasher.get(1), hasher.get(3)]);
    assert.equal(first, sha256(bytes.subarray(0, 1000)));
    assert.equal(third, sha256(bytes.subarray(2000)));
    assert.equal(again, third);
    assert.equal(partHasher(file, partRanges(2500, 1000), null), null);
    assert.throws(() => partHasher(file, [], "crc64"), /crc64 part checksums, which this client cannot compute/);
    const md5s = partHasher(file, partRanges(2500, 1000), "md5");
    assert.equal(await md5s.get(2), createHash("md5").update(bytes.subarray(1000, 2000)).digest("base64"));
  });

  describe("uploads whose plan asks for sha256 part checksums (real HTTP on loopback)", () => {
    const cloud = new FakeCloud({ partChecksum: "sha256" });
    const store = new MemoryStore();
    before(() => cloud.listen());
    after(() => cloud.close());
    const upload = (file, options = {}) => uploadFile(file, { endpoint: cloud.endpoint, resumeStore: store, backoff: { baseDelay: 5, maxDelay: 20 }, ...options });

    test("every part is signed with the SHA-256 of its bytes, and storage holds the file", async () => {
      const bytes = randomBytes(4500);
      const done = await upload(new File([bytes], "a.bin", { lastModified: 1 }), { signBatchSize: 2 });

      assert.equal(done.status, "COMPLETED");
      const sent = cloud.uploads.get(done.id);
      assert.ok(sent.bytes.equals(bytes));
      assert.deepEqual([...sent.declared.keys()].sort(), [1, 2, 3, 4, 5]);
      for (const [n, checksum] of sent.declared) assert.equal(checksum, sha256(bytes.subarray((n - 1) * 1000, n * 1000)));
    });

    test("a resumed upload learns from the parts listing that its parts carry checksums", async () => {
      const bytes = randomBytes(3200);
      const file = new File([bytes], "b.bin", { lastModified: 2 });
      cloud.fault((r) => r.method === "PUT" && r.part === 3);
      await assert.rejects(upload(file, { retries: 0, concurrency: 1 }));
      const key = [...store.items.keys()][0];
      const { partChecksum, ...older } = JSON.parse(store.getItem(key)); // saved by an older client
      assert.equal(partChecksum, "sha256");
      store.setItem(key, JSON.stringify(older));
      cloud.uploads.get(older.uploadId).declared.clear();

      const done = await upload(file);

      assert.equal(done.status, "COMPLETED");
      assert.ok(cloud.uploads.get(done.id).bytes.equals(bytes));
      const declared = cloud.uploads.get(done.id).declared;
      assert.deepEqual([...declared.keys()].sort(), [3, 4], "only the parts sent again");
      assert.equal(declared.get(4), sha256(bytes.subarray(3000)));
    });
  });
});
