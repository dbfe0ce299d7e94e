"""The JSON Lines archive: write (ArchiveWriter), index, read (Archive), export, compact."""
from .reader import Archive
from .writer import ArchiveLocked, ArchiveWriter, content_hash

__all__ = ["Archive", "ArchiveLocked", "ArchiveWriter", "content_hash"]
