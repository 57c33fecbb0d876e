"""Background workers over the durable queues in the database."""

# The queues a process may work (``warmline worker --queues``; ``workers/pool.py``).
QUEUES = ("delivery", "inbox", "cleanup", "archives")
