"""Writes N synthetic records to an archive, committing often; the crash test kills it."""
import sys

from scraper.archive import ArchiveWriter

from .records import make_record

if __name__ == "__main__":
    root, count = sys.argv[1], int(sys.argv[2])
    with ArchiveWriter(root, segment_records=40, commit_every=60) as writer:
        print("started", flush=True)
        for index in range(count):
            writer.add(make_record(index, body_words=400))
    print("done", flush=True)
