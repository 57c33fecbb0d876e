"""Domain services: what members and the instance can do, whichever door
(web page, Mastodon API, ActivityPub) the request came through. No aiohttp here."""
