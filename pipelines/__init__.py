"""Item pipelines, in order: normalize -> validate -> store (which versions and deduplicates)."""
