"""The ActivityPub door: discovery, actors, objects, collections and the inboxes."""
