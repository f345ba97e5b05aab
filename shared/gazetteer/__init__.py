"""The jurisdiction's known street addresses (gazetteer.csv): one reader and index for every service.

- `index`: load the file; suggestions as people type (sorted keys + bisect), look-ups of typed
  addresses, and the nearest known address to a point (shapely STRtree).
- `parsing`: free text → a canonical key, with usaddress ("100 peachtree st se" and
  "100 Peachtree Street SE, Atlanta GA 30303" are the same address).
- `importer` / `python -m shared.gazetteer import FILE --jurisdiction DIR`: address points from
  OpenAddresses CSV or GeoJSON into the jurisdiction's gazetteer.csv.
"""
