"""Item pipelines, in order: normalize -> validate -> store (which versions and deduplicates); a
worker of a shared frontier ends with the outbox instead, and the archiver stores (scraper/archiver.py)."""
