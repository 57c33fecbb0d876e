"""The inboxes (personal and shared): the verification pipeline at the door.

size cap → JSON parse → schema → signature shape, time and digest → blocked
hosts → actor and host limits → key lookup (an unknown key fetched within its
host's budget) and signature check (cavage or RFC 9421) → JSON-LD compaction →
origin checks → counted against the limits → our own checks, dedupe and
durable storage → 202. The answer comes only after the activity is committed; processing
happens later in the inbox worker.
"""

from __future__ import annotations

from aiohttp import web

from federation import jsontext
from federation.errors import FederationError, SchemaError, SignatureError
from federation.inbox import NotTheSigner, OriginError, check_origins, primary_type
from federation.jsonld import compact_inbound
from federation.validate import validate
from federation.vocab import get_id
from server.ap.signatures import check_key, parse_signed
from server.appkeys import CONFIG, SERVICES
from server.services import inbox
from server.services.errors import NotFound, ServiceError
from server.services.inbox_limits import Throttled

routes = web.RouteTableDef()


async def _read_capped(request: web.Request) -> bytes:
    limit = request.app[CONFIG].federation.max_inbox_bytes
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    # read(n) returns what has arrived so far (at most n bytes), not n bytes:
    # keep reading until the end of the body or until it is over the cap.
    body = bytearray()
    while len(body) <= limit:
        chunk = await request.content.read(limit + 1 - len(body))
        if not chunk:
            break
        body += chunk
    if len(body) > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return bytes(body)


def _parse(body: bytes) -> dict:
    try:
        # JSON on the wire is UTF-8 (RFC 8259); json.loads would also guess UTF-16/32.
        doc = jsontext.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise web.HTTPBadRequest(text=f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise web.HTTPBadRequest(text="the body is not valid JSON: nested too deeply") from None
    if not isinstance(doc, dict):
        raise web.HTTPBadRequest(text="an activity must be a JSON object")
    return doc


async def _accept(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    door = svc.door
    door.in_flight += 1
    try:
        return await _pipeline(request)
    except Exception as exc:
        if svc.metrics is not None and (reason := refusal_reason(exc)) is not None:
            svc.metrics.refused(reason)
        raise
    finally:
        door.in_flight -= 1


# Most specific first: what each refusal of the pipeline is counted as.
_REFUSALS: tuple[tuple[type[BaseException], str], ...] = (
    (web.HTTPRequestEntityTooLarge, "too_large"),
    (web.HTTPBadRequest, "bad_json"),
    (web.HTTPForbidden, "origin"),
    (SchemaError, "schema"),
    (SignatureError, "signature"),
    (inbox.Blocked, "blocked"),
    (Throttled, "rate_limited"),
    (NotFound, "no_such_inbox"),
    (ServiceError, "refused"),
    (FederationError, "invalid"),
)


def refusal_reason(exc: BaseException) -> str | None:
    """The metrics' reason for a refused delivery; None for a failure of ours."""
    for kind, reason in _REFUSALS:
        if isinstance(exc, kind):
            return reason
    return None


async def _pipeline(request: web.Request) -> web.Response:
    body = await _read_capped(request)
    doc = _parse(body)
    validate("activity", doc)
    parsed = parse_signed(request, body)
    svc = request.app[SERVICES]
    claimed = get_id(doc.get("actor"))
    # A blocked server gets nothing back, not even a fetch of its key.
    await inbox.refuse_blocked(svc, [parsed.key_id, claimed])
    # An actor or server over its limit is refused before any key work (429);
    # an unknown key is fetched only within its host's budget (check_key).
    svc.inbox_limits.admit(parsed.key_id, claimed)
    verified = await check_key(request, parsed)
    compact = compact_inbound(doc)
    try:
        actor = check_origins(compact, verified.signer)
    except NotTheSigner as exc:
        raise SignatureError(str(exc)) from None
    except OriginError as exc:
        raise web.HTTPForbidden(text=str(exc)) from None
    compact["type"] = primary_type(compact)
    svc.inbox_limits.count(actor, compact["type"])  # only verified deliveries count
    await inbox.receive(svc, compact, body, actor)
    return web.Response(status=202)


@routes.post("/inbox")
@routes.post("/actor/inbox")  # the instance actor's: same as the shared inbox
async def shared_inbox(request: web.Request) -> web.Response:
    return await _accept(request)


@routes.post("/users/{username}/inbox")
async def personal_inbox(request: web.Request) -> web.Response:
    try:
        await request.app[SERVICES].inbox_owners.check(request.match_info["username"])
    except NotFound:
        if (metrics := request.app[SERVICES].metrics) is not None:
            metrics.refused("no_such_inbox")
        raise
    return await _accept(request)
