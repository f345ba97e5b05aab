"""Known street addresses (the jurisdiction's gazetteer.csv): suggestions as people type, look-ups of
typed addresses and the nearest address to a point. One reader for every service: shared.gazetteer."""
from shared.gazetteer.index import Gazetteer, KnownAddress

__all__ = ["Gazetteer", "KnownAddress"]
