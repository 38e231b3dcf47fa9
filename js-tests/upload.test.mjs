// Tests of the browser client's pure logic, and of its requests to Django against a real
// HTTP server on loopback. Run with: node --test js-tests/
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import { after, before, describe, test } from "node:test";

import {
  UploadError,
  abortableSleep,
  backoffDelay,
  backoffSchedule,
  buildFormData,
  completeUpload,
  extractErrorMessage,
  fileUrl,
  formFieldEntries,
  instructionOf,
  isRetryable,
  messageFromJson,
  parseXmlError,
  putHeaderEntries,
  readCookie,
  requestJson,
  retryAfterMs,
  withRetries,
} from "../s3_file_uploads/static/s3_file_uploads/upload.js";

const S3_FIELDS = {
  "Content-Type": "application/pdf",
  acl: "private",
  key: "uploads/abc/report.pdf",
  "x-amz-algorithm": "AWS4-HMAC-SHA256",
  "x-amz-credential": "KEY/20261125/us-east-1/s3/aws4_request",
  "x-amz-date": "20261125T120000Z",
  policy: "eyJleHBpcmF0aW9uIjo=",
  "x-amz-signature": "abc123",
};

describe("form building", () => {
  test("keeps the instruction's field order and puts the file last", async () => {
    const file = new File(["%PDF-1.7 body"], "naïve résumé.pdf", { type: "application/pdf" });
    const form = buildFormData(S3_FIELDS, file);
    const entries = [...form.entries()];
    assert.deepEqual(entries.map(([name]) => name), [...Object.keys(S3_FIELDS), "file"]);
    assert.deepEqual(entries.slice(0, -1), Object.entries(S3_FIELDS));
    const [, sent] = entries.at(-1);
    assert.equal(sent.name, "naïve résumé.pdf");
    assert.equal(await sent.text(), "%PDF-1.7 body");
  });

  test("accepts fields as ordered pairs, stringifies values, drops a stray file field", () => {
    assert.deepEqual(
      formFieldEntries([["key", "k"], ["file", "oops"], ["success_action_status", 201]]),
      [["key", "k"], ["success_action_status", "201"]],
    );
    assert.deepEqual(formFieldEntries(undefined), []);
  });

  test("a Blob without a name still goes last under 'file'", () => {
    const form = buildFormData({ key: "k" }, new Blob(["x"]));
    assert.deepEqual([...form.keys()], ["key", "file"]);
  });

  test("PUT headers are exactly the instruction's", () => {
    assert.deepEqual(putHeaderEntries({ "x-ms-blob-type": "BlockBlob", "Content-Type": "image/png" }), [
      ["x-ms-blob-type", "BlockBlob"],
      ["Content-Type", "image/png"],
    ]);
    assert.deepEqual(putHeaderEntries(undefined), []);
  });
});

describe("error messages", () => {
  test("S3's XML error gives its Message and Code", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message><ProposedSize>2048</ProposedSize><MaxSizeAllowed>1024</MaxSizeAllowed><RequestId>X</RequestId></Error>`;
    assert.deepEqual(parseXmlError(xml), {
      code: "EntityTooLarge",
      message: "Your proposed upload exceeds the maximum allowed size",
    });
    const extracted = extractErrorMessage(400, xml, "application/xml");
    assert.equal(extracted.message, "Your proposed upload exceeds the maximum allowed size");
    assert.equal(extracted.code, "EntityTooLarge");
  });

  test("Azure's message loses its RequestId and Time lines; entities are decoded", () => {
    const xml = `\ufeff<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request &amp; more.
RequestId:1b2c3d
Time:2026-11-25T12:00:00.0000000Z</Message><AuthenticationErrorDetail>Signed expiry time has to be after signed start time</AuthenticationErrorDetail></Error>`;
    const extracted = extractErrorMessage(403, xml, "application/xml");
    assert.equal(extracted.message, "Server failed to authenticate the request & more.");
    assert.equal(extracted.code, "AuthenticationFailed");
  });

  test("XML without a content type is still recognised", () => {
    const xml = "<Error><Code>AccessDenied</Code><Message>Policy expired.</Message></Error>";
    assert.equal(extractErrorMessage(403, xml, "").message, "Policy expired.");
    assert.equal(extractErrorMessage(403, "<Error><Code>NoSuchBucket</Code></Error>", null).message, "NoSuchBucket");
  });

  test("DRF shapes: detail, field lists, non-field errors, nested", () => {
    assert.equal(messageFromJson({ detail: "Log in to upload files." }), "Log in to upload files.");
    assert.equal(
      messageFromJson({ size: ["The file is 9 bytes; the limit is 5 bytes."], acl: ["Not allowed.", "Really."] }),
      "size: The file is 9 bytes; the limit is 5 bytes. acl: Not allowed. Really.",
    );
    assert.equal(messageFromJson({ non_field_errors: ["Both fields clash."] }), "Both fields clash.");
    assert.equal(messageFromJson({ upload: { content_type: ["Bad type."] } }), "upload: content_type: Bad type.");
    assert.equal(messageFromJson(["one", "two"]), "one two");
    assert.equal(messageFromJson({ status: "FAILED", detail: "The file is empty." }), "The file is empty.");
    assert.equal(messageFromJson({}), undefined);
  });

  test("JSON replies, with or without a JSON content type", () => {
    const reply = JSON.stringify({ status: "FAILED", detail: "The file was stored as 'text/html'." });
    assert.equal(extractErrorMessage(400, reply, "application/json").message, "The file was stored as 'text/html'.");
    assert.equal(extractErrorMessage(400, reply, "text/plain").message, "The file was stored as 'text/html'.");
    assert.deepEqual(extractErrorMessage(400, reply, "application/json").body, JSON.parse(reply));
  });

  test("plain text is used as it is, HTML pages and empty bodies fall back to the status", () => {
    assert.equal(extractErrorMessage(502, "Bad Gateway from proxy\n", "text/plain").message, "Bad Gateway from proxy");
    assert.equal(extractErrorMessage(500, "<!DOCTYPE html><html><body>Server Error</body></html>", "text/html").message, "The server answered 500.");
    assert.equal(extractErrorMessage(413, "", "").message, "The server answered 413.");
    assert.equal(extractErrorMessage(0, "", null).message, "The network request failed.");
    assert.equal(extractErrorMessage(400, "x".repeat(2000), "text/plain").message.length, 500);
  });
});

describe("retry policy", () => {
  test("retries network errors and 5xx, never 4xx", () => {
    for (const status of [0, 500, 502, 503, 504]) assert.equal(isRetryable(status), true, String(status));
    for (const status of [200, 400, 403, 404, 409, 413, 429]) assert.equal(isRetryable(status), false, String(status));
  });

  test("backoff doubles up to the cap, jittered between half and all of it", () => {
    const low = backoffSchedule(6, { baseDelay: 100, maxDelay: 1000, random: () => 0 });
    const high = backoffSchedule(6, { baseDelay: 100, maxDelay: 1000, random: () => 1 });
    assert.deepEqual(high, [100, 200, 400, 800, 1000, 1000]);
    assert.deepEqual(low, [50, 100, 200, 400, 500, 500]);
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const delay = backoffDelay(attempt);
      const ceiling = Math.min(10_000, 500 * 2 ** attempt);
      assert.ok(delay >= ceiling / 2 && delay <= ceiling, `${attempt}: ${delay}`);
    }
    assert.deepEqual(backoffSchedule(0), []);
  });

  test("Retry-After in seconds or as a date, capped, with a fallback", () => {
    assert.equal(retryAfterMs("5"), 5000);
    assert.equal(retryAfterMs("0"), 0);
    const now = Date.parse("2026-11-25T12:00:00Z");
    assert.equal(retryAfterMs("Wed, 25 Nov 2026 12:00:07 GMT", { now }), 7000);
    assert.equal(retryAfterMs("Wed, 25 Nov 2026 11:00:00 GMT", { now }), 0);
    assert.equal(retryAfterMs("3600"), 30_000);
    assert.equal(retryAfterMs(null, { fallback: 1234 }), 1234);
    assert.equal(retryAfterMs("soon", { fallback: 99 }), 99);
  });

  test("withRetries repeats retryable failures with the backoff delays", async () => {
    const slept = [];
    const tries = [];
    const result = await withRetries(
      async (attempt) => {
        tries.push(attempt);
        if (attempt < 2) throw new UploadError("busy", { status: attempt === 0 ? 503 : 0 });
        return "stored";
      },
      { retries: 3, sleep: async (ms) => { slept.push(ms); }, backoff: { baseDelay: 10, random: () => 1 } },
    );
    assert.equal(result, "stored");
    assert.deepEqual(tries, [0, 1, 2]);
    assert.deepEqual(slept, [10, 20]);
  });

  test("withRetries gives up at once on a 4xx and after the last retry on a 5xx", async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(async () => { calls += 1; throw new UploadError("Policy expired.", { status: 403 }); }, { retries: 5, sleep: async () => {} }),
      (error) => error.status === 403 && error.message === "Policy expired.",
    );
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(
      withRetries(async () => { calls += 1; throw new UploadError(`down ${calls}`, { status: 500 }); }, { retries: 2, sleep: async () => {} }),
      /down 3/,
    );
    assert.equal(calls, 3);
  });

  test("an abort stops the retries and the sleep", async () => {
    const controller = new AbortController();
    const pending = withRetries(async () => { throw new UploadError("down", { status: 502 }); }, {
      retries: 5, signal: controller.signal, backoff: { baseDelay: 60_000 },
    });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, { name: "AbortError" });
    await assert.rejects(abortableSleep(10, AbortSignal.abort()), { name: "AbortError" });
  });
});

describe("small helpers", () => {
  test("reads the csrftoken cookie", () => {
    assert.equal(readCookie("sessionid=abc; csrftoken=Tok%2Fen; theme=dark", "csrftoken"), "Tok/en");
    assert.equal(readCookie("xcsrftoken=no", "csrftoken"), undefined);
    assert.equal(readCookie("", "csrftoken"), undefined);
  });

  test("the instruction of a create reply, or the seed's upload_form", () => {
    const put = { method: "PUT", url: "/local/upload/t/", fields: {}, headers: { "Content-Type": "a/b" } };
    assert.equal(instructionOf({ upload: put, upload_form: null }), put);
    assert.deepEqual(instructionOf({ upload_form: { url: "https://b.s3/", fields: { key: "k" } } }), {
      method: "POST", url: "https://b.s3/", fields: { key: "k" }, headers: {},
    });
    assert.throws(() => instructionOf({ id: "x" }), UploadError);
  });

  test("file URLs", () => {
    assert.equal(fileUrl("/api/uploads/", "1f"), "/api/uploads/1f/");
    assert.equal(fileUrl("/api/uploads", "1f", { inline: true }), "/api/uploads/1f/?disposition=inline");
  });
});

describe("requests to Django (real HTTP on loopback)", () => {
  let server;
  let base;
  const seen = [];
  const completeReplies = [];

  before(async () => {
    server = http.createServer(async (request, response) => {
      let body = "";
      for await (const chunk of request) body += chunk;
      seen.push({ method: request.method, url: request.url, headers: request.headers, body });
      const reply = (status, data, headers = {}) => {
        response.writeHead(status, { "Content-Type": "application/json", ...headers });
        response.end(data === undefined ? "" : JSON.stringify(data));
      };
      if (request.url === "/uploads/" && request.method === "POST") {
        const wanted = JSON.parse(body);
        if (wanted.size > 10) return reply(400, { size: [`The file is ${wanted.size} bytes; the limit is 10 bytes.`] });
        return reply(201, { id: "u1", ...wanted });
      }
      if (request.url === "/uploads/u1/complete/") {
        const [status, data, headers] = completeReplies.shift() ?? [200, { status: "COMPLETED" }];
        return reply(status, data, headers);
      }
      if (request.url === "/uploads/u1/" && request.method === "DELETE") return reply(204);
      return reply(404, { detail: "No upload of yours has this id." });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${server.address().port}`;
  });

  after(() => server.close());

  test("POSTs JSON with the CSRF header and reads the reply", async () => {
    const { data, response } = await requestJson(`${base}/uploads/`, {
      method: "POST", json: { filename: "a.txt", size: 3 }, csrfToken: "tok",
    });
    assert.equal(response.status, 201);
    assert.deepEqual(data, { id: "u1", filename: "a.txt", size: 3 });
    const request = seen.at(-1);
    assert.equal(request.headers["x-csrftoken"], "tok");
    assert.equal(request.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(request.body), { filename: "a.txt", size: 3 });
  });

  test("a DRF error becomes an UploadError with the server's message and status", async () => {
    await assert.rejects(
      requestJson(`${base}/uploads/`, { method: "POST", json: { size: 11 }, csrfToken: "t", phase: "create" }),
      (error) => error instanceof UploadError && error.status === 400 && error.phase === "create"
        && error.message === "size: The file is 11 bytes; the limit is 10 bytes.",
    );
    await assert.rejects(requestJson(`${base}/uploads/nope/`), { status: 404, message: "No upload of yours has this id." });
  });

  test("an unreachable server is an UploadError with status 0", async () => {
    const closed = http.createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const url = `http://127.0.0.1:${closed.address().port}/`;
    closed.close();
    await once(closed, "close");
    await assert.rejects(requestJson(url), { name: "UploadError", status: 0 });
  });

  test("complete is retried after a 503's Retry-After, then returns the upload", async () => {
    completeReplies.push([503, { detail: "Storage could not be reached." }, { "Retry-After": "0" }]);
    const before = seen.length;
    const done = await completeUpload(`${base}/uploads/u1/complete/`, { csrfToken: "t" });
    assert.deepEqual(done, { status: "COMPLETED" });
    assert.equal(seen.length - before, 2);
    assert.equal(seen.at(-1).body, "");
    assert.equal(seen.at(-1).headers["x-csrftoken"], "t");
  });

  test("complete gives up after its retries, and a 400 is not retried", async () => {
    completeReplies.push(
      [503, { detail: "Storage could not be reached." }, { "Retry-After": "0" }],
      [503, { detail: "Storage still down." }, { "Retry-After": "0" }],
    );
    await assert.rejects(completeUpload(`${base}/uploads/u1/complete/`, { retries: 1 }), {
      status: 503, message: "Storage still down.",
    });
    completeReplies.push([400, { status: "FAILED", detail: "The file is empty." }], [200, { status: "COMPLETED" }]);
    await assert.rejects(completeUpload(`${base}/uploads/u1/complete/`), { status: 400, message: "The file is empty." });
    completeReplies.length = 0;
  });
});
