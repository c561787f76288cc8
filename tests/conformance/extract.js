// Prints, as JSON, what the conformance check needs from an unpacked @meshery/schemas package:
// every operation tagged `x-internal: [meshery]` (one per method and path template; the
// highest construct version that declares it wins), with its parameters, request bodies
// (of every declaring version) and response schemas, and every call of the package's
// RTK-Query client `mesheryApi` (method, URL, the query parameters it sends).
//
// Usage: node extract.js <folder of the package>   (the folder holding package.json)
// Needs only node: the client's one import (@reduxjs/toolkit) is replaced by a recorder.
"use strict";
const fs = require("fs");
const path = require("path");
const Module = require("module");

const root = path.resolve(process.argv[2] || ".");
const constructs = path.join(root, "dist", "constructs");
const RANK = { v1alpha1: 1, v1alpha2: 2, v1alpha3: 3, v1beta1: 4, v1beta2: 5, v1beta3: 6 };
const METHODS = ["get", "put", "post", "delete", "patch"];

function schemaFiles(folder) {
  const found = [];
  for (const name of fs.readdirSync(folder).sort()) {
    const full = path.join(folder, name);
    if (fs.statSync(full).isDirectory()) found.push(...schemaFiles(full));
    else if (/Schema\.js$/.test(name)) found.push(full);
  }
  return found;
}

function operations() {
  const byKey = new Map();
  for (const file of schemaFiles(constructs)) {
    const loaded = require(file);
    const doc = loaded && loaded.paths ? loaded : loaded && loaded.default;
    if (!doc || !doc.paths) continue;
    const [version, construct] = path.relative(constructs, file).split(path.sep);
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op || !Array.isArray(op["x-internal"]) || !op["x-internal"].includes("meshery")) continue;
        const key = `${method.toUpperCase()} ${template.replace(/\{[^}]+\}/g, "{}")}`;
        const bodies = [];
        for (const [media, content] of Object.entries((op.requestBody && op.requestBody.content) || {})) {
          bodies.push({ version, media, schema: content.schema || {} });
        }
        const responses = {};
        for (const [status, answer] of Object.entries(op.responses || {})) {
          const content = (answer && answer.content) || {};
          responses[status] = {
            media: Object.keys(content),
            schema: content["application/json"] ? content["application/json"].schema || {} : null,
          };
        }
        const entry = {
          key,
          method: method.toUpperCase(),
          path: template,
          operationId: op.operationId || null,
          version,
          construct,
          parameters: [...(item.parameters || []), ...(op.parameters || [])],
          responses,
        };
        const seen = byKey.get(key);
        if (!seen) {
          byKey.set(key, { ...entry, declaredIn: [`${version}/${construct}`], bodies });
          continue;
        }
        seen.declaredIn.push(`${version}/${construct}`);
        seen.bodies.push(...bodies);
        if (RANK[version] > RANK[seen.version]) Object.assign(seen, entry);
      }
    }
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function clientCalls() {
  const endpoints = {};
  const recorder = {
    enhanceEndpoints() {
      return recorder;
    },
    injectEndpoints({ endpoints: build }) {
      Object.assign(endpoints, build({ query: (d) => d, mutation: (d) => d }));
      return recorder;
    },
  };
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === "@reduxjs/toolkit/query/react") {
      return { createApi: () => recorder, fetchBaseQuery: () => () => undefined };
    }
    return load.call(this, request, ...rest);
  };
  try {
    require(path.join(root, "dist", "mesheryApi.js"));
  } finally {
    Module._load = load;
  }
  // Every argument the client reads is present, named after itself: `{name}`.
  const arg = new Proxy({}, { get: (_, name) => (typeof name === "string" ? `{${name}}` : undefined) });
  return Object.entries(endpoints).map(([name, def]) => {
    const q = def.query(arg);
    return {
      name,
      method: (q.method || "GET").toUpperCase(),
      url: q.url,
      params: Object.keys(q.params || {}),
      body: "body" in q,
    };
  });
}

const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
process.stdout.write(
  JSON.stringify({ package: pkg.name, version: pkg.version, operations: operations(), client: clientCalls() }),
);
