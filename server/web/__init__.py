"""The web interface: server-rendered pages (jinja2) over the same services as the
client API and ActivityPub doors; ``setup.install`` adds them to the app."""
