"""Gazetteer at city size: import, load, suggestion, look-up and nearest-address speed.

    .venv/bin/python bench/address_bench.py [--addresses 500000] [--lookups 20000]

Generates an OpenAddresses CSV in a temporary folder, imports it with the real importer
(shared.gazetteer.importer), loads the gazetteer as intake does, then times suggestions for
what people type (house number first, street first, street + partial number), look-ups of typed
addresses (usaddress parsing included) and nearest-address queries for random points. Prints one
figure per line; nothing is asserted (tests check behaviour, this measures speed).
"""
import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.gazetteer.importer import import_points  # noqa: E402
from shared.gazetteer.index import Gazetteer  # noqa: E402

STREETS = [f"{name} {kind} {quad}" for name in
           ("PEACHTREE", "PIEDMONT", "SPRING", "MARIETTA", "PONCE DE LEON", "MEMORIAL", "10TH", "HIGHLAND",
            "MORELAND", "BOULEVARD", "JUNIPER", "CHESHIRE BRIDGE", "HOWELL MILL", "NORTHSIDE", "DEKALB",
            "EDGEWOOD", "GLENWOOD", "CAPITOL", "PRYOR", "CASCADE")
           for kind in ("ST", "AVE", "RD", "DR", "WAY") for quad in ("NE", "NW", "SE", "SW")]


def generate(path, count, rng):
    with path.open("w", encoding="utf-8") as handle:
        handle.write("LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH\n")
        for i in range(count):
            street, number = STREETS[i % len(STREETS)], 2 * (i // len(STREETS)) + 1
            handle.write(f"{-84.55 + rng.random() * 0.26:.6f},{33.64 + rng.random() * 0.24:.6f},"
                         f"{number},{street},,ATLANTA,,GA,,,{i:x}\n")


def per_call(label, calls, function, arguments):
    start = time.perf_counter()
    for argument in arguments[:calls]:
        function(argument)
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {elapsed / calls * 1e6:9.1f} µs/call  ({calls} calls)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=500_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(311)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        source = folder / "addresses.csv"
        generate(source, args.addresses, rng)
        start = time.perf_counter()
        report = import_points(source, folder, replace=True)
        print(f"{'import (OpenAddresses CSV → gazetteer.csv)':<44} {time.perf_counter() - start:9.2f} s"
              f"  ({report.added} addresses)")
        start = time.perf_counter()
        gazetteer = Gazetteer.from_file(folder / "gazetteer.csv")
        print(f"{'load gazetteer.csv and build the index':<44} {time.perf_counter() - start:9.2f} s")
        start = time.perf_counter()
        gazetteer.nearest(33.75, -84.39)
        print(f"{'build the STRtree (first nearest query)':<44} {time.perf_counter() - start:9.2f} s")
        sample = [rng.choice(gazetteer.addresses) for _ in range(args.lookups)]
        n = args.lookups
        per_call("suggest: house number first ('1234 pea')", n, gazetteer.suggest,
                 [a.address[:a.address.index(" ") + 4] for a in sample])
        per_call("suggest: street first ('piedmont av')", n, gazetteer.suggest,
                 [a.address.split(" ", 1)[1][:11] for a in sample])
        per_call("suggest: street + partial number", n, gazetteer.suggest,
                 [f"{a.address.split(' ', 1)[1]} {a.address.split(' ')[0][:2]}" for a in sample])
        per_call("suggest: one letter ('p')", n, gazetteer.suggest, ["p"] * n)
        per_call("resolve typed text (usaddress)", n, gazetteer.resolve,
                 [a.address.upper().replace(" ST ", " STREET ") + ", Atlanta GA 30303" for a in sample])
        per_call("nearest address to a point", n, lambda p: gazetteer.nearest(*p),
                 [(33.64 + rng.random() * 0.24, -84.55 + rng.random() * 0.26) for _ in range(n)])
        print(f"{'peak resident memory (process)':<44} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:9.0f} MB")


if __name__ == "__main__":
    main()
