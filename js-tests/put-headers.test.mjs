// The headers a create-only PUT sends: what storage signed, but never one only the browser sets.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { putHeaderEntries, storageRequest } from "../s3_file_uploads/static/s3_file_uploads/upload/transport.js";

describe("putHeaderEntries", () => {
  test("drops Content-Length and Host, which the browser sets itself", () => {
    const headers = { "Content-Type": "text/plain", "Content-Length": "12", host: "s3", "If-None-Match": "*" };
    assert.deepEqual(putHeaderEntries(headers), [["Content-Type", "text/plain"], ["If-None-Match", "*"]]);
  });

  test("keeps the signed x-amz and x-goog headers as they are", () => {
    const headers = { "x-amz-acl": "private", "x-goog-if-generation-match": 0, "Content-MD5": "abc=" };
    assert.deepEqual(putHeaderEntries(headers), [
      ["x-amz-acl", "private"], ["x-goog-if-generation-match", "0"], ["Content-MD5", "abc="],
    ]);
  });
});

test("a PUT request sends the file itself with the signed type", () => {
  const file = new Blob(["twelve bytes"], { type: "text/plain" });
  const request = storageRequest({ method: "put", url: "http://s3/k", headers: { "Content-Type": "text/plain", "Content-Length": "12" } }, file);
  assert.equal(request.method, "PUT");
  assert.equal(request.body, file);
  assert.deepEqual(request.headers, [["Content-Type", "text/plain"]]);
});
