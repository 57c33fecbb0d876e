// A small, independent ActivityPub peer built on Fedify, for Warmline's
// interop tests.  One actor, everything in memory, plain http on loopback.
//
//   node peer.mjs --port 0            (0: pick a free port)
//
// Options (flags or environment):
//   --port N       FEDIFY_PEER_PORT      port to listen on (default 0 = any free one)
//   --host H       FEDIFY_PEER_HOST      address to listen on (default 127.0.0.1)
//   --username U   FEDIFY_PEER_USERNAME  the actor's name (default alice)
//   --debug        FEDIFY_PEER_DEBUG=1   Fedify's own logs on stderr
//
// Prints one line "ready http://127.0.0.1:PORT" on stdout once listening.
// The test-control API lives under /_control/ (see README.md beside this file).

import http from "node:http";
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";

import {
  createFederation,
  generateCryptoKeyPair,
  InProcessMessageQueue,
  MemoryKvStore,
} from "@fedify/fedify";
import {
  Accept,
  Announce,
  Create,
  Delete,
  Endpoints,
  Follow,
  isActor,
  Like,
  Mention,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Reject,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.FEDIFY_PEER_PORT ?? "0" },
    host: { type: "string", default: process.env.FEDIFY_PEER_HOST ?? "127.0.0.1" },
    username: { type: "string", default: process.env.FEDIFY_PEER_USERNAME ?? "alice" },
    debug: { type: "boolean", default: !!process.env.FEDIFY_PEER_DEBUG },
  },
});
const USERNAME = args.username;
const FEDIFY_VERSION = JSON.parse(
  readFileSync(new URL("./node_modules/@fedify/fedify/package.json", import.meta.url), "utf8"),
).version;

if (args.debug) {
  const { configure, getConsoleSink } = await import("@logtape/logtape");
  await configure({
    sinks: { console: getConsoleSink({ console: { ...console, log: console.error, info: console.error, debug: console.error } }) },
    loggers: [
      { category: "fedify", lowestLevel: "debug", sinks: ["console"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
  });
}

// ---------------------------------------------------------------- state ----

const state = {
  received: [], // every activity that reached an inbox, in order
  errors: [], // inbox/outbox errors and unverified (bad signature) activities
  followers: new Map(), // actor id -> {id, inbox, shared_inbox, follow}
  following: new Map(), // actor id -> {id, follow, accept}
  pendingFollows: new Map(), // our Follow id -> target actor id
  sent: new Map(), // our activity id -> {activity, type, recipients, to_followers}
  notes: new Map(), // note uuid -> Note
  rawById: new Map(), // activity id -> {json, signature} as it arrived over the wire
};

// Keys are made once per process: RSA (Fedify's default, 4096-bit) and Ed25519.
const keyPairs = [
  await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
  await generateCryptoKeyPair("Ed25519"),
];

// ----------------------------------------------------------- the server ----

// Listen first so that port 0 works: the origin (and every id) needs the port.
let federation = null;
const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    console.error("peer: unhandled error", error);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(error));
  });
});
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(Number(args.port), args.host, resolve);
});
const ORIGIN = `http://${args.host}:${server.address().port}`;
const HOST = new URL(ORIGIN).host;

federation = createFederation({
  kv: new MemoryKvStore(),
  queue: new InProcessMessageQueue(),
  // Ids, WebFinger handles and collection URLs all use http://127.0.0.1:PORT.
  origin: ORIGIN,
  // Fedify refuses loopback/private addresses in its document loader (actor
  // and key fetches) and in WebFinger by default; every peer here is on 127/8.
  allowPrivateAddress: true,
  onOutboxError: (error, activity) => {
    state.errors.push({
      kind: "outbox",
      activity: activity?.id?.href ?? null,
      type: activity?.constructor?.name ?? null,
      error: String(error),
      at: new Date().toISOString(),
    });
  },
  // Everything else stays at Fedify's defaults: RFC 9421 first with a
  // draft-cavage fallback (firstKnock), signatures verified, one-hour window.
});

const me = (ctx) => ctx.getActorUri(USERNAME);

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== USERNAME) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: `${identifier[0].toUpperCase()}${identifier.slice(1)} (Fedify peer)`,
      summary: "An ActivityPub peer built on Fedify, for Warmline's interop tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      manuallyApprovesFollowers: false,
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) =>
    identifier === USERNAME ? keyPairs : []
  );

federation.setObjectDispatcher(
  Note,
  "/users/{identifier}/posts/{id}",
  (_ctx, values) => (values.identifier === USERNAME ? state.notes.get(values.id) ?? null : null),
);

federation.setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
  if (identifier !== USERNAME) return null;
  return {
    items: [...state.followers.values()].map((f) => ({
      id: new URL(f.id),
      inboxId: f.inbox ? new URL(f.inbox) : null,
      endpoints: f.shared_inbox ? { sharedInbox: new URL(f.shared_inbox) } : null,
    })),
  };
}).setCounter((_ctx, identifier) => (identifier === USERNAME ? state.followers.size : null));

federation.setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
  if (identifier !== USERNAME) return null;
  return { items: [...state.following.keys()].map((id) => new URL(id)) };
}).setCounter((_ctx, identifier) => (identifier === USERNAME ? state.following.size : null));

federation.setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) => {
  if (identifier !== USERNAME) return null;
  const items = [...state.sent.values()]
    .filter((s) => s.type === "Create" || s.type === "Announce")
    .map((s) => s.activity)
    .reverse();
  return { items };
}).setCounter((_ctx, identifier) =>
  identifier === USERNAME
    ? [...state.sent.values()].filter((s) => s.type === "Create" || s.type === "Announce").length
    : null
);

// ------------------------------------------------------------ the inbox ----

function idOf(value) {
  if (value == null) return null;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return idOf(value[0]);
  return value.id ?? value["@id"] ?? null;
}

function record(ctx, activity) {
  const id = activity.id?.href ?? null;
  const arrived = (id && state.rawById.get(id)) ?? null;
  if (id) state.rawById.delete(id);
  const raw = arrived?.json ?? null;
  const rawObject = raw?.object;
  const object = rawObject != null && typeof rawObject === "object" && !Array.isArray(rawObject)
    ? rawObject
    : null;
  const entry = {
    id,
    type: raw?.type ?? activity.constructor.name,
    actor: activity.actorId?.href ?? idOf(raw?.actor),
    object: activity.objectId?.href ?? idOf(rawObject),
    object_type: object?.type ?? null,
    content: object?.content ?? null,
    in_reply_to: object ? idOf(object.inReplyTo) : null,
    inbox: ctx.recipient == null ? "shared" : "personal",
    signature: arrived?.signature ?? null,
    received_at: new Date().toISOString(),
    raw,
  };
  state.received.push(entry);
  return entry;
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    record(ctx, follow);
    if (follow.objectId?.href !== me(ctx).href || follow.actorId == null) return;
    const follower = await follow.getActor(ctx);
    if (!isActor(follower) || follower.id == null) return;
    state.followers.set(follower.id.href, {
      id: follower.id.href,
      inbox: follower.inboxId?.href ?? null,
      shared_inbox: follower.endpoints?.sharedInbox?.href ?? null,
      follow: follow.id?.href ?? null,
    });
    const accept = new Accept({
      id: new URL(`${ORIGIN}/users/${USERNAME}/accepts/${randomUUID()}`),
      actor: me(ctx),
      object: follow, // the whole Follow, embedded, as Fedify apps do
      to: follower.id,
    });
    await ctx.sendActivity({ identifier: USERNAME }, follower, accept);
    remember(accept, "Accept", [follower.id.href], false);
  })
  .on(Accept, async (ctx, accept) => {
    record(ctx, accept);
    const followId = accept.objectId?.href;
    const target = followId && state.pendingFollows.get(followId);
    if (target && accept.actorId?.href === target) {
      state.pendingFollows.delete(followId);
      state.following.set(target, { id: target, follow: followId, accept: accept.id?.href ?? null });
    }
  })
  .on(Reject, async (ctx, reject) => {
    record(ctx, reject);
    const followId = reject.objectId?.href;
    if (followId && state.pendingFollows.get(followId) === reject.actorId?.href) {
      state.pendingFollows.delete(followId);
    }
  })
  .on(Undo, async (ctx, undo) => {
    const entry = record(ctx, undo);
    const actor = undo.actorId?.href;
    if (entry.object_type === "Follow" || [...state.followers.values()].some((f) => f.follow === entry.object)) {
      const follower = actor && state.followers.get(actor);
      if (follower) state.followers.delete(actor);
    }
  })
  .on(Create, async (ctx, activity) => void record(ctx, activity))
  .on(Update, async (ctx, activity) => void record(ctx, activity))
  .on(Delete, async (ctx, activity) => void record(ctx, activity))
  .on(Like, async (ctx, activity) => void record(ctx, activity))
  .on(Announce, async (ctx, activity) => void record(ctx, activity))
  .onError((_ctx, error) => {
    state.errors.push({ kind: "inbox", error: String(error), at: new Date().toISOString() });
  })
  .onUnverifiedActivity((_ctx, activity, reason) => {
    // Fedify still answers 401; we only keep a note for the tests.
    state.errors.push({
      kind: "unverified",
      activity: activity.id?.href ?? null,
      reason: JSON.parse(JSON.stringify(reason, (_k, v) => (v instanceof URL ? v.href : v))),
      at: new Date().toISOString(),
    });
  });

// ------------------------------------------------------ sending helpers ----

function remember(activity, type, recipients, toFollowers) {
  state.sent.set(activity.id.href, { activity, type, recipients, to_followers: toFollowers });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;

// Fedify's WebFinger client only speaks https for acct: handles.  Peers in
// the tests are plain-http loopback servers, so for those we do the WebFinger
// request ourselves over http and hand the actor URL to Fedify.
async function resolveActor(ctx, handleOrUri) {
  let target = handleOrUri.trim();
  if (!/^https?:\/\//.test(target)) {
    const handle = target.replace(/^@/, "").replace(/^acct:/, "");
    const at = handle.lastIndexOf("@");
    if (at <= 0) throw new ControlError(400, `not a handle: ${handleOrUri}`);
    const host = handle.slice(at + 1);
    if (LOOPBACK.test(host)) {
      const url = new URL(`http://${host}/.well-known/webfinger`);
      url.searchParams.set("resource", `acct:${handle}`);
      const response = await fetch(url, { headers: { Accept: "application/jrd+json" } });
      if (!response.ok) {
        throw new ControlError(502, `WebFinger ${url} answered ${response.status}`);
      }
      const jrd = await response.json();
      const self = (jrd.links ?? []).find(
        (l) =>
          l.rel === "self" &&
          l.href &&
          (l.type === "application/activity+json" || /^application\/ld\+json/.test(l.type ?? "")),
      );
      if (!self) throw new ControlError(502, `WebFinger for ${handle} has no self link`);
      target = self.href;
    } else {
      target = `acct:${handle}`;
    }
  }
  const actor = await ctx.lookupObject(target);
  if (!isActor(actor)) throw new ControlError(502, `could not resolve an actor for ${handleOrUri}`);
  return actor;
}

async function resolveObject(ctx, uri) {
  const object = await ctx.lookupObject(uri);
  if (object == null) throw new ControlError(502, `could not fetch ${uri}`);
  return object;
}

async function send(ctx, recipients, activity, { toFollowers = false, immediate = false } = {}) {
  const sender = { identifier: USERNAME };
  const options = immediate ? { immediate: true } : {};
  if (toFollowers) {
    await ctx.sendActivity(sender, "followers", activity, { ...options, preferSharedInbox: true });
  }
  if (recipients.length > 0) await ctx.sendActivity(sender, recipients, activity, options);
  remember(activity, activity.constructor.name, recipients.map((r) => r.id.href), toFollowers);
}

class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const newId = (kind) => new URL(`${ORIGIN}/users/${USERNAME}/${kind}/${randomUUID()}`);

// ---------------------------------------------------- the control API ----

const control = {
  "GET /_control/info": async (ctx) => ({
    origin: ORIGIN,
    actor: me(ctx).href,
    handle: `${USERNAME}@${HOST}`,
    inbox: ctx.getInboxUri(USERNAME).href,
    shared_inbox: ctx.getInboxUri().href,
    fedify: FEDIFY_VERSION,
    node: process.version,
  }),
  "GET /_control/received": async (_ctx, _body, query) => {
    const type = query.get("type");
    return type ? state.received.filter((r) => r.type === type) : state.received;
  },
  "GET /_control/followers": async () => [...state.followers.values()],
  "GET /_control/following": async () => [...state.following.values()],
  "GET /_control/sent": async () =>
    [...state.sent.entries()].map(([id, s]) => ({
      id,
      type: s.type,
      recipients: s.recipients,
      to_followers: s.to_followers,
    })),
  "GET /_control/errors": async () => state.errors,

  // {"handle": "bob@127.0.0.1:PORT"} or {"actor": "http://..."}
  "POST /_control/follow": async (ctx, body) => {
    const target = await resolveActor(ctx, body.actor ?? body.handle ?? "");
    const follow = new Follow({ id: newId("follows"), actor: me(ctx), object: target.id });
    state.pendingFollows.set(follow.id.href, target.id.href);
    await send(ctx, [target], follow, { immediate: !!body.immediate });
    return { id: follow.id.href, actor: target.id.href };
  },

  // {"content": "<p>hi</p>", "to_followers": true, "mention": "actor uri or handle",
  //  "public": true, "in_reply_to": "uri"}
  "POST /_control/post": async (ctx, body) => {
    const isPublic = body.public ?? true;
    const toFollowers = body.to_followers ?? true;
    const recipients = [];
    const tags = [];
    if (body.mention) {
      const actor = await resolveActor(ctx, body.mention);
      recipients.push(actor);
      tags.push(new Mention({
        href: actor.id,
        name: `@${actor.preferredUsername}@${actor.id.host}`,
      }));
    }
    const uuid = randomUUID();
    const noteId = ctx.getObjectUri(Note, { identifier: USERNAME, id: uuid });
    const tos = [];
    const ccs = [];
    if (isPublic) {
      tos.push(PUBLIC_COLLECTION);
      ccs.push(ctx.getFollowersUri(USERNAME));
    } else if (toFollowers) {
      tos.push(ctx.getFollowersUri(USERNAME));
    }
    for (const r of recipients) (isPublic ? ccs : tos).push(r.id);
    const published = Temporal.Now.instant();
    const note = new Note({
      id: noteId,
      attribution: me(ctx),
      content: body.content ?? "",
      url: noteId,
      published,
      tos,
      ccs,
      tags,
      replyTarget: body.in_reply_to ? new URL(body.in_reply_to) : null,
    });
    state.notes.set(uuid, note);
    const create = new Create({
      id: new URL(`${noteId.href}/activity`),
      actor: me(ctx),
      object: note,
      published,
      tos,
      ccs,
    });
    await send(ctx, recipients, create, { toFollowers, immediate: !!body.immediate });
    return { id: create.id.href, object: noteId.href };
  },

  // {"object": uri, "to": "optional actor uri (default: the object's author)"}
  "POST /_control/like": async (ctx, body) => {
    const recipients = await authorOf(ctx, body);
    const like = new Like({ id: newId("likes"), actor: me(ctx), object: new URL(body.object) });
    await send(ctx, recipients, like, { immediate: !!body.immediate });
    return { id: like.id.href };
  },

  // {"object": uri, "to": "optional actor uri"}: to the author and our followers
  "POST /_control/announce": async (ctx, body) => {
    const recipients = await authorOf(ctx, body);
    const announce = new Announce({
      id: newId("announces"),
      actor: me(ctx),
      object: new URL(body.object),
      published: Temporal.Now.instant(),
      tos: [PUBLIC_COLLECTION],
      ccs: [ctx.getFollowersUri(USERNAME), ...recipients.map((r) => r.id)],
    });
    await send(ctx, recipients, announce, { toFollowers: true, immediate: !!body.immediate });
    return { id: announce.id.href };
  },

  // {"activity": id of a Follow/Like/Announce we sent}: Undo it, to the same recipients
  "POST /_control/undo": async (ctx, body) => {
    const sent = state.sent.get(body.activity);
    if (!sent) throw new ControlError(404, `no activity ${body.activity} was sent by this peer`);
    const recipients = await Promise.all(sent.recipients.map((id) => resolveActor(ctx, id)));
    const undo = new Undo({ id: newId("undos"), actor: me(ctx), object: sent.activity });
    await send(ctx, recipients, undo, { toFollowers: sent.to_followers, immediate: !!body.immediate });
    if (sent.type === "Follow") {
      for (const [actor, f] of state.following) if (f.follow === body.activity) state.following.delete(actor);
      state.pendingFollows.delete(body.activity);
    }
    return { id: undo.id.href };
  },

  // {"object": note id}: Delete (with a Tombstone) to whoever got the Create
  "POST /_control/delete": async (ctx, body) => {
    const uuid = [...state.notes.entries()].find(([, n]) => n.id.href === body.object)?.[0];
    if (!uuid) throw new ControlError(404, `no note ${body.object} was posted by this peer`);
    const create = state.sent.get(`${body.object}/activity`);
    state.notes.delete(uuid);
    const recipients = await Promise.all((create?.recipients ?? []).map((id) => resolveActor(ctx, id)));
    const del = new Delete({
      id: newId("deletes"),
      actor: me(ctx),
      object: new Tombstone({ id: new URL(body.object) }),
      tos: [PUBLIC_COLLECTION],
    });
    await send(ctx, recipients, del, {
      toFollowers: create?.to_followers ?? true,
      immediate: !!body.immediate,
    });
    return { id: del.id.href };
  },
};

async function authorOf(ctx, body) {
  if (!body.object) throw new ControlError(400, "object is required");
  if (body.to) return [await resolveActor(ctx, body.to)];
  const object = await resolveObject(ctx, body.object);
  const author = object.attributionId ?? object.actorId;
  if (!author) throw new ControlError(502, `${body.object} names no author; pass "to"`);
  return [await resolveActor(ctx, author.href)];
}

function json(status, value) {
  return new Response(JSON.stringify(value, null, 1), {
    status,
    headers: { "content-type": "application/json" },
  });
}

async function handleControl(request, url) {
  const route = control[`${request.method} ${url.pathname.replace(/\/$/, "")}`];
  if (!route) return json(404, { error: `no control route ${request.method} ${url.pathname}` });
  let body = {};
  if (request.method === "POST") {
    const text = await request.text();
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      return json(400, { error: "body is not JSON" });
    }
  }
  const ctx = federation.createContext(request, undefined);
  try {
    return json(200, await route(ctx, body, url.searchParams));
  } catch (error) {
    const status = error instanceof ControlError ? error.status : 502;
    return json(status, { error: String(error?.message ?? error) });
  }
}

// ------------------------------------------------ node http <-> fetch ----

async function handle(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  // The request URL as the client addressed it, so that RFC 9421's
  // @target-uri and @authority verify against what the sender signed.
  const url = new URL(req.url, `http://${req.headers.host ?? HOST}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value != null) headers.set(name, value);
  }
  const request = new Request(url, {
    method: req.method,
    headers,
    body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
  });

  let response;
  if (url.pathname.startsWith("/_control/")) {
    response = await handleControl(request, url);
  } else {
    if (req.method === "POST" && body.length > 0) rememberRaw(body, headers);
    response = await federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response("Not found", { status: 404 }),
      onNotAcceptable: () => new Response("Not acceptable", { status: 406 }),
    });
  }
  const outHeaders = {};
  response.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  res.writeHead(response.status, outHeaders);
  res.end(Buffer.from(await response.arrayBuffer()));
}

// Which HTTP signature scheme the sender used, and its key id.
function signatureOf(headers) {
  const input = headers.get("signature-input");
  if (input) return { scheme: "rfc9421", key_id: /keyid="([^"]*)"/.exec(input)?.[1] ?? null };
  const cavage = headers.get("signature");
  if (cavage) return { scheme: "draft-cavage", key_id: /keyId="([^"]*)"/.exec(cavage)?.[1] ?? null };
  return { scheme: null, key_id: null };
}

function rememberRaw(body, headers) {
  try {
    const parsed = JSON.parse(body.toString("utf8"));
    if (parsed && typeof parsed.id === "string") {
      state.rawById.set(parsed.id, { json: parsed, signature: signatureOf(headers) });
    }
  } catch {
    // not JSON: Fedify will answer it
  }
}

// ------------------------------------------------------------- start-up ----

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}
process.stdout.write(`ready ${ORIGIN}\n`);
