"""The JSON Lines archive: write (ArchiveWriter), index, read (Archive), export, compact."""
from .reader import Archive
from .writer import ArchiveLocked, ArchiveWriter, NotAnArchive, content_hash

__all__ = ["Archive", "ArchiveLocked", "ArchiveWriter", "NotAnArchive", "content_hash"]
