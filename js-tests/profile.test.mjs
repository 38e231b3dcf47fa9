// uploadFile's profile option: the create request names the upload profile, and leaves it out
// when none is given (the server's default). Against a real HTTP server on loopback.
// Run with: node --test js-tests/
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import { after, before, describe, test } from "node:test";

import { uploadFile } from "../s3_file_uploads/static/s3_file_uploads/upload.js";

describe("profile", () => {
  const bodies = [];
  let server;
  let base;

  before(async () => {
    server = http.createServer(async (request, response) => {
      const chunks = [];
      for await (const chunk of request) chunks.push(chunk);
      const json = (status, body) => {
        response.writeHead(status, { "Content-Type": "application/json" });
        response.end(JSON.stringify(body));
      };
      if (request.method === "POST" && request.url === "/api/") {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString()));
        return json(201, {
          id: "p1",
          upload: { method: "PUT", url: `${base}/storage/p1`, headers: {} },
          complete_url: `${base}/api/p1/complete/`,
        });
      }
      if (request.method === "PUT") {
        response.writeHead(200);
        return response.end();
      }
      return json(200, { id: "p1", status: "COMPLETED" });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => server.close());

  test("is sent in the create request when given, and left out otherwise", async () => {
    bodies.length = 0;
    const file = new File(["png"], "me.png", { type: "image/png" });

    await uploadFile(file, { endpoint: `${base}/api/`, resume: false, profile: "avatar" });
    await uploadFile(file, { endpoint: `${base}/api/`, resume: false });

    assert.equal(bodies[0].profile, "avatar");
    assert.equal("profile" in bodies[1], false);
  });
});
