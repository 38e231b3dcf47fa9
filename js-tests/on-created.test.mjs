// uploadFile's onCreated: the page learns the upload's id before any byte goes to storage, so it
// can delete an upload it cancels. Against a real HTTP server on loopback that answers like
// Django (create, complete) and takes the PUT like storage.
// Run with: node --test js-tests/
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import { after, before, describe, test } from "node:test";

import { uploadFile } from "../s3_file_uploads/static/s3_file_uploads/upload.js";

describe("onCreated", () => {
  const log = [];
  let server;
  let base;

  before(async () => {
    server = http.createServer(async (request, response) => {
      for await (const _ of request); // read the body
      log.push(`${request.method} ${request.url}`);
      const json = (status, body) => {
        response.writeHead(status, { "Content-Type": "application/json" });
        response.end(JSON.stringify(body));
      };
      if (request.method === "POST" && request.url === "/api/") {
        return json(201, {
          id: "u1",
          upload: { method: "PUT", url: `${base}/storage/u1`, headers: {} },
          complete_url: `${base}/api/u1/complete/`,
        });
      }
      if (request.method === "PUT" && request.url === "/storage/u1") {
        response.writeHead(200);
        return response.end();
      }
      if (request.method === "POST" && request.url === "/api/u1/complete/") {
        return json(200, { id: "u1", status: "COMPLETED" });
      }
      return json(404, { detail: "Not found." });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => server.close());

  test("is called once with the create reply, before the file goes to storage", async () => {
    log.length = 0;
    const created = [];
    const file = new File(["hello"], "hello.txt", { type: "text/plain" });
    const onCreated = (reply) => created.push([reply.id, log.length]);

    const done = await uploadFile(file, { endpoint: `${base}/api/`, resume: false, onCreated });

    assert.equal(done.status, "COMPLETED");
    assert.deepEqual(created, [["u1", 1]], "called once, when only the create had been sent");
    assert.deepEqual(log, ["POST /api/", "PUT /storage/u1", "POST /api/u1/complete/"]);
  });
});
