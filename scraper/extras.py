"""Optional dependencies: the main job (crawl, export to JSON Lines and CSV) needs none of them,
and what needs one says which extra brings it, in one line."""
from __future__ import annotations

import importlib


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def need(module: str, extra: str, what: str):
    """`module` imported, or MissingExtra saying "`what` needs `module`: pip install 'vngov[extra]'"."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"{what} needs {module.split('.')[0]}: pip install 'vngov[{extra}]'") from None


def async_redis(url: str, what: str, connections: int = 16):
    """An asyncio Redis client whose callers wait for one of `connections` connections rather
    than fail: a crawl may ask from hundreds of requests and items at once."""
    redis = need("redis.asyncio", "scale", what)
    return redis.Redis(connection_pool=redis.BlockingConnectionPool.from_url(url, max_connections=connections,
                                                                              timeout=None))
