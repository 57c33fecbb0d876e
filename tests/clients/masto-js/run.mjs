// Drives a Warmline instance with masto.js, as a JavaScript app would, and
// prints what it saw as one JSON object. Usage: node run.mjs BASE_URL TOKEN OTHER_ACCT
import { createRestAPIClient } from "masto";

const [url, accessToken, other] = process.argv.slice(2);
const masto = createRestAPIClient({ url, accessToken });
const seen = {};

const me = await masto.v1.accounts.verifyCredentials();
seen.me = { id: me.id, acct: me.acct, headline: me.warmline?.headline ?? null };

const found = await masto.v1.accounts.lookup({ acct: other });
seen.lookup = found.acct;
const relationship = await masto.v1.accounts.$select(found.id).follow();
seen.following = relationship.following;

const status = await masto.v1.statuses.create({
  status: `Hello from masto.js #interop @${other}`,
  visibility: "public",
});
seen.status = { id: status.id, visibility: status.visibility, tags: status.tags.map((t) => t.name) };

const favourited = await masto.v1.statuses.$select(status.id).favourite();
seen.favourited = favourited.favourited;
const bookmarked = await masto.v1.statuses.$select(status.id).bookmark();
seen.bookmarked = bookmarked.bookmarked;

const home = await masto.v1.timelines.home.list({ limit: 5 });
seen.home = home.map((s) => s.id);

const tagged = await masto.v1.timelines.tag.$select("interop").list();
seen.tagged = tagged.map((s) => s.id);

const search = await masto.v2.search.list({ q: other, type: "accounts" });
seen.search = search.accounts.map((a) => a.acct);

const context = await masto.v1.statuses.$select(status.id).context.fetch();
seen.context = { ancestors: context.ancestors.length, descendants: context.descendants.length };

try {
  await masto.v1.statuses.$select("999999999999").fetch();
  seen.missing = "found?";
} catch (error) {
  seen.missing = { status: error.statusCode, message: error.message };
}

await masto.v1.statuses.$select(status.id).remove();
seen.deleted = true;
console.log(JSON.stringify(seen));
