// The one retry helper of the browser client (upload/retry.js): it waits what a reply's
// Retry-After asks, else an exponential backoff; storage and Django replies carry the header
// on their UploadError. Run with: node --test js-tests/
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import { after, before, describe, test } from "node:test";

import { UploadError } from "../s3_file_uploads/static/s3_file_uploads/upload/errors.js";
import { retryDelay, withRetries } from "../s3_file_uploads/static/s3_file_uploads/upload/retry.js";
import { completeUpload, sendToStorage } from "../s3_file_uploads/static/s3_file_uploads/upload.js";

const highJitter = { baseDelay: 100, random: () => 1 };

describe("retryDelay", () => {
  test("waits a Retry-After in seconds or until its date, capped at 30 seconds", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    const busy = (retryAfter) => new UploadError("busy", { status: 503, retryAfter });
    assert.equal(retryDelay(busy("2"), 0, highJitter, now), 2000);
    assert.equal(retryDelay(busy("0"), 3, highJitter, now), 0);
    assert.equal(retryDelay(busy("Wed, 25 Nov 2026 12:00:04 GMT"), 0, highJitter, now), 4000);
    assert.equal(retryDelay(busy("86400"), 0, highJitter, now), 30_000);
  });

  test("falls back to the backoff without a readable Retry-After", () => {
    const schedule = [0, 1, 2].map((attempt) => retryDelay(new UploadError("down", { status: 502 }), attempt, highJitter));
    assert.deepEqual(schedule, [100, 200, 400]);
    assert.equal(retryDelay(new UploadError("down", { status: 503, retryAfter: null }), 1, highJitter), 200);
    assert.equal(retryDelay(new UploadError("down", { status: 503, retryAfter: " " }), 1, highJitter), 200);
    assert.equal(retryDelay(new UploadError("down", { status: 503, retryAfter: "soon" }), 2, highJitter), 400);
    assert.equal(retryDelay(new TypeError("not an upload error"), 0, highJitter), 100);
  });
});

describe("withRetries and Retry-After", () => {
  test("sleeps what each failure's Retry-After asks, and the backoff when it asks nothing", async () => {
    const slept = [];
    const failures = [
      new UploadError("slow down", { status: 503, retryAfter: "3" }),
      new UploadError("gateway", { status: 502 }),
    ];
    const result = await withRetries(
      async (attempt) => {
        if (attempt < failures.length) throw failures[attempt];
        return "stored";
      },
      { retries: 3, sleep: async (ms) => { slept.push(ms); }, backoff: highJitter },
    );
    assert.equal(result, "stored");
    assert.deepEqual(slept, [3000, 200]);
  });

  test("a Retry-After does not make a 4xx retryable", async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(async () => {
        calls += 1;
        throw new UploadError("Too many requests.", { status: 429, retryAfter: "1" });
      }, { retries: 3, sleep: async () => {} }),
      { status: 429 },
    );
    assert.equal(calls, 1);
  });
});

describe("Retry-After from real replies (HTTP on loopback)", () => {
  let server;
  let base;
  const replies = [];

  before(async () => {
    server = http.createServer(async (request, response) => {
      for await (const chunk of request) void chunk;
      const [status, headers, body] = replies.shift() ?? [200, { "Content-Type": "application/json" }, "{}"];
      response.writeHead(status, headers);
      response.end(body);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${server.address().port}`;
  });

  after(() => server.close());

  test("a storage 503 carries its Retry-After, and the retry waits it", async () => {
    replies.push(
      [503, { "Content-Type": "application/xml", "Retry-After": "7" },
        "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"],
      [200, {}, ""],
    );
    const slept = [];
    const stored = await withRetries(
      () => sendToStorage({ method: "PUT", url: `${base}/bucket/key`, headers: {} }, new Blob(["bytes"])),
      { retries: 2, sleep: async (ms) => { slept.push(ms); } },
    );
    assert.equal(stored.status, 200);
    assert.deepEqual(slept, [7000]);
  });

  test("complete waits a 503's Retry-After before it asks again", async () => {
    replies.push(
      [503, { "Content-Type": "application/json", "Retry-After": "1" }, JSON.stringify({ detail: "Storage could not be reached." })],
      [200, { "Content-Type": "application/json" }, JSON.stringify({ status: "COMPLETED" })],
    );
    const started = Date.now();
    const done = await completeUpload(`${base}/uploads/u1/complete/`, { csrfToken: "t" });
    assert.deepEqual(done, { status: "COMPLETED" });
    assert.ok(Date.now() - started >= 950, `asked again after ${Date.now() - started} ms`);
  });
});
