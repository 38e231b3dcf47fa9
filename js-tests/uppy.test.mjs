// The Uppy plugin (uppy.js) driven by a stand-in of Uppy's core: the few methods and events an
// uploader plugin meets, kept here so the plugin's own mapping (options, names, types, events)
// is checked without a browser. Requests go to a real HTTP server on loopback that answers like
// Django and takes the PUT like storage. Uppy itself is tested in Chromium (tests/browser).
// Run with: node --test js-tests/
import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import http from "node:http";
import { after, before, describe, test } from "node:test";

import { DjangoUploads } from "../s3_file_uploads/static/s3_file_uploads/uppy.js";

/** The part of Uppy's core an uploader plugin uses, recording what the plugin tells it. */
class CoreStandIn extends EventEmitter {
  constructor() {
    super();
    this.files = new Map();
    this.uploaders = new Set();
    this.seen = [];
    for (const name of ["upload-start", "upload-progress", "upload-success", "upload-error"]) {
      this.on(name, (...args) => this.seen.push([name, ...args]));
    }
  }

  use(Plugin, options) {
    const plugin = new Plugin(this, options);
    plugin.install();
    return plugin;
  }

  addFile(file) {
    this.files.set(file.id, { progress: {}, meta: {}, ...file });
  }

  addUploader(fn) { this.uploaders.add(fn); }
  removeUploader(fn) { this.uploaders.delete(fn); }
  getFile(id) { return this.files.get(id); }
  getFilesByIds(ids) { return ids.map((id) => this.files.get(id)); }
  setFileState(id, patch) { this.files.set(id, { ...this.files.get(id), ...patch }); }
  log() {}

  removeFile(id) {
    const file = this.files.get(id);
    this.files.delete(id);
    this.emit("file-removed", file);
  }

  async upload() {
    for (const uploader of this.uploaders) await uploader([...this.files.keys()]);
  }

  events(name) {
    return this.seen.filter(([seen]) => seen === name).map(([, ...args]) => args);
  }
}

/**
 * A loopback server that answers like Django (create, complete; profile "image" refuses text)
 * and takes the PUT like storage, recording every request.
 */
async function djangoStandIn() {
  const requests = [];
  const server = http.createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    requests.push({ method: request.method, url: request.url, headers: request.headers, body });
    const reply = (status, data) => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(data));
    };
    const created = body && request.url === "/api/" ? JSON.parse(body) : null;
    if (created?.profile === "image") {
      return reply(400, { content_type: ["Files of type 'text/plain' are not accepted here; accepted: image/png."] });
    }
    if (created) return reply(201, { id: "u7", upload: { method: "PUT", url: `${base}/storage/u7`, headers: {} } });
    if (request.url === "/storage/u7") return reply(200, {});
    if (request.url === "/api/u7/complete/") {
      return reply(200, { id: "u7", state: "COMPLETED", status: "COMPLETED", file: `${base}/api/u7/`, size: 5 });
    }
    return reply(404, { detail: "Not found." });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `http://127.0.0.1:${server.address().port}`;
  return { requests, base, close: () => server.close() };
}

describe("the Uppy plugin", () => {
  let django;
  let requests;
  let base;
  before(async () => {
    django = await djangoStandIn();
    ({ requests, base } = django);
  });
  after(() => django.close());

  test("is an uploader Uppy can use, loaded without importing Uppy", () => {
    const uppy = new CoreStandIn();
    const plugin = uppy.use(DjangoUploads, { endpoint: `${base}/api/` });
    assert.equal(plugin.id, "DjangoUploads");
    assert.equal(plugin.type, "uploader");
    assert.equal(uppy.uploaders.size, 1);
    plugin.uninstall();
    assert.equal(uppy.uploaders.size, 0);
    assert.throws(() => new DjangoUploads(uppy, {}), /endpoint/);
  });

  test("creates with the file's Uppy name, type and profile, and reports success with the upload", async () => {
    requests.length = 0;
    const uppy = new CoreStandIn();
    uppy.use(DjangoUploads, {
      endpoint: `${base}/api/`, profile: (file) => file.meta.profile, headers: { "X-Tenant": "t1" }, resume: false,
    });
    const data = new File(["hello"], "original.txt", { type: "" });
    uppy.addFile({ id: "f1", data, size: 5, meta: { name: "renamed.txt", type: "text/plain", profile: "document" } });

    await uppy.upload();

    const create = requests.find((r) => r.url === "/api/");
    assert.deepEqual(JSON.parse(create.body), {
      filename: "renamed.txt", size: 5, content_type: "text/plain", profile: "document",
    });
    assert.equal(create.headers["x-tenant"], "t1");
    assert.deepEqual(requests.map((r) => `${r.method} ${r.url}`), ["POST /api/", "PUT /storage/u7", "POST /api/u7/complete/"]);
    const [[file, response]] = uppy.events("upload-success");
    assert.equal(file.id, "f1");
    assert.equal(response.body.id, "u7");
    assert.equal(response.uploadURL, `${base}/api/u7/`);
    const progress = uppy.events("upload-progress").map(([, p]) => p);
    assert.equal(progress.at(-1).bytesUploaded, 5);
    assert.equal(progress.at(-1).bytesTotal, 5);
    assert.deepEqual(uppy.getFile("f1").djangoUpload, { id: "u7", multipart: false, resumed: false });
    assert.deepEqual(uppy.events("upload-error"), []);
  });

  test("reports a refusal with the server's own words and the reply", async () => {
    const uppy = new CoreStandIn();
    uppy.use(DjangoUploads, { endpoint: `${base}/api/`, profile: "image", resume: false });
    uppy.addFile({ id: "f2", data: new File(["hello"], "notes.txt", { type: "text/plain" }), size: 5 });

    await uppy.upload();

    const [[file, error, response]] = uppy.events("upload-error");
    assert.equal(file.id, "f2");
    assert.equal(error.message, "content_type: Files of type 'text/plain' are not accepted here; accepted: image/png.");
    assert.equal(response.status, 400);
    assert.deepEqual(uppy.events("upload-success"), []);
  });

  test("refuses a remote file, and one whose bytes were not kept, without a request", async () => {
    requests.length = 0;
    const uppy = new CoreStandIn();
    uppy.use(DjangoUploads, { endpoint: `${base}/api/` });
    uppy.addFile({ id: "f3", isRemote: true, data: { size: 10 }, size: 10, meta: { name: "drive.pdf" } });
    // What Golden Retriever restores when it could not keep the bytes: a "ghost".
    uppy.addFile({ id: "f6", isGhost: true, data: undefined, size: 10, meta: { name: "lost.pdf" } });

    await uppy.upload();

    const errors = Object.fromEntries(uppy.events("upload-error").map(([file, error]) => [file.id, error.message]));
    assert.match(errors.f3, /remote sources are not supported/);
    assert.match(errors.f6, /add the file again/);
    assert.deepEqual(requests, []);
  });

  test("never sends a file removed while it waited for its turn", async () => {
    requests.length = 0;
    const uppy = new CoreStandIn();
    uppy.use(DjangoUploads, { endpoint: `${base}/api/`, limit: 1, resume: false });
    uppy.addFile({ id: "f4", data: new File(["hello"], "first.txt", { type: "text/plain" }), size: 5 });
    uppy.addFile({ id: "f5", data: new File(["hello"], "second.txt", { type: "text/plain" }), size: 5 });

    const uploading = uppy.upload();
    uppy.removeFile("f5");
    await uploading;

    const created = requests.filter((r) => r.url === "/api/").map((r) => JSON.parse(r.body).filename);
    assert.deepEqual(created, ["first.txt"]);
    assert.deepEqual(uppy.events("upload-success").map(([file]) => file.id), ["f4"]);
    assert.deepEqual(uppy.events("upload-error"), []);
  });
});
