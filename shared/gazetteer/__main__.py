"""python -m shared.gazetteer import FILE --jurisdiction DIR: address points into gazetteer.csv."""
import argparse
import sys

from shared.gazetteer.importer import ImportFileError, import_points

SHOWN_SKIPPED = 50


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m shared.gazetteer",
        description="Import address points (OpenAddresses CSV or GeoJSON) into a jurisdiction's gazetteer.csv.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "import", help="add the address points of FILE to DIR/gazetteer.csv",
        description="Add address points to DIR/gazetteer.csv. FILE is an OpenAddresses CSV "
                    "(LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH) or GeoJSON "
                    "address points (a FeatureCollection, or one Feature per line; properties "
                    "number, street, unit). Units of one street address become one entry. Rows that "
                    "cannot be read are skipped and listed with their line numbers.")
    run.add_argument("file", metavar="FILE")
    run.add_argument("--jurisdiction", metavar="DIR", required=True, help="the jurisdiction's folder")
    run.add_argument("--replace", action="store_true",
                     help="replace the gazetteer's addresses instead of adding to them")
    run.add_argument("--skipped-report", metavar="CSV",
                     help="also write every skipped row (where, reason) to this CSV file")
    args = parser.parse_args(argv)
    try:
        report = import_points(args.file, args.jurisdiction, replace=args.replace)
    except (ImportFileError, OSError, UnicodeDecodeError) as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return 2
    print(f"{args.file}: read {report.read} address points; added {report.added}; "
          f"{report.already_known} already in the gazetteer; {report.merged} further units or repeats "
          f"of a street address; skipped {len(report.skipped)}")
    for skipped in report.skipped[:SHOWN_SKIPPED]:
        print(f"  skipped {skipped.where}: {skipped.reason}", file=sys.stderr)
    if len(report.skipped) > SHOWN_SKIPPED:
        print(f"  ... and {len(report.skipped) - SHOWN_SKIPPED} more skipped rows"
              + ("" if args.skipped_report else " (list them all with --skipped-report FILE)"), file=sys.stderr)
    if args.skipped_report:
        with open(args.skipped_report, "w", encoding="utf-8", newline="") as handle:
            handle.write("where,reason\n")
            handle.writelines(f'{s.where},"{s.reason.replace(chr(34), chr(34) * 2)}"\n' for s in report.skipped)
    if report.added == 0 and report.skipped:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
