"""Background workers over the durable queues in the database."""
