"""Local mirrors of target sites for tests, benchmarks and the offline demo."""
from .server import Faults, MirrorServer, build_demo_sites
from .site import MirrorSite

__all__ = ["Faults", "MirrorServer", "MirrorSite", "build_demo_sites"]
