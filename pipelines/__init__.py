"""Item pipelines, in order: normalize -> validate -> deduplicate/version -> store."""
