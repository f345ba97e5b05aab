"""File one sample request per department against a running city311 and follow them to closure.

    .venv/bin/python deploy/sample_requests.py                 # file and follow (Ctrl-C to stop following)
    .venv/bin/python deploy/sample_requests.py --no-follow
    .venv/bin/python deploy/sample_requests.py --base http://localhost:8311 --email you@example.org

It reads the catalog from the Open311 API itself, answers each required question with the first
allowed value, and spreads the requests across the city so none is another's duplicate.
"""
import argparse
import json
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# One service per department of the sample jurisdiction.
SAMPLES = {
    "POTHOLE": "Deep pothole in the right lane",
    "WATER_LEAK": "Water bubbling up through the sidewalk",
    "MISSED_PICKUP": "Trash was not picked up this week",
    "TREE_LIMB": "Large limb hanging over the footpath",
    "STREETLIGHT_OUT": "Streetlight dark at the corner",
    "GRAFFITI": "Graffiti on the side of a vacant building",
}


def call(base, path, form=None):
    data = urllib.parse.urlencode(form, doseq=True).encode() if form is not None else None
    try:
        with urllib.request.urlopen(base + path, data=data, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        sys.exit(f"{path}: HTTP {error.code}: {error.read().decode(errors='replace')}")
    except urllib.error.URLError as error:
        sys.exit(f"city311 does not answer at {base} ({error.reason}); start it with `make run`")


def answers(definition):
    form = {}
    for attribute in definition.get("attributes", []):
        if not attribute.get("variable") or not attribute.get("required"):
            continue
        code = attribute["code"]
        if attribute["datatype"] in ("singlevaluelist", "multivaluelist"):
            form[f"attribute[{code}]"] = attribute["values"][0]["key"]
        elif attribute["datatype"] == "number":
            form[f"attribute[{code}]"] = "1"
        elif attribute["datatype"] == "datetime":
            form[f"attribute[{code}]"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        else:
            form[f"attribute[{code}]"] = "see description"
    return form


def file_all(base, api_key, email):
    rng = random.Random()
    filed = {}
    for n, (code, description) in enumerate(SAMPLES.items()):
        definition = call(base, f"/open311/v2/services/{code}.json")
        form = {"api_key": api_key, "service_code": code, "description": description,
                "lat": f"{33.72 + 0.012 * n + rng.uniform(0, 0.004):.5f}",
                "long": f"{-84.43 + 0.01 * n + rng.uniform(0, 0.004):.5f}", **answers(definition)}
        if email:  # one address per request (plus-addressing), so no reporter hits the per-recipient limit
            local, _, domain = email.partition("@")
            form["email"] = f"{local}+{code.lower()}@{domain}"
        created = call(base, "/open311/v2/requests.json", form)
        filed[created[0]["service_request_id"]] = code
        print(f"filed {created[0]['service_request_id']}  {code}")
    return filed


def follow(base, filed, timeout):
    deadline = time.monotonic() + timeout
    last = {}
    while time.monotonic() < deadline:
        ids = ",".join(filed)
        records = call(base, f"/open311/v2/requests.json?service_request_id={ids}")
        for record in records:
            seen = (record["status"], record.get("status_notes"))
            if last.get(record["service_request_id"]) != seen:
                last[record["service_request_id"]] = seen
                print(f"{record['service_request_id']}  {filed[record['service_request_id']]:16} "
                      f"{record['status']:6}  {record.get('agency_responsible') or '-':34} "
                      f"{record.get('status_notes') or ''}")
        if len(records) == len(filed) and all(r["status"] == "closed" for r in records):
            print(f"all {len(filed)} closed")
            return True
        time.sleep(3)
    print(f"not all closed after {timeout}s", file=sys.stderr)
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://localhost:8311")
    parser.add_argument("--api-key", default="dev-web-key")
    parser.add_argument("--email", default="resident@example.org", help="reporter email ('' for none)")
    parser.add_argument("--no-follow", action="store_true")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to follow before giving up")
    args = parser.parse_args(argv)
    filed = file_all(args.base, args.api_key, args.email)
    if not args.no_follow:
        sys.exit(0 if follow(args.base, filed, args.timeout) else 1)


if __name__ == "__main__":
    main()
