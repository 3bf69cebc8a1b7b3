"""python-libmaas, an independent MAAS client, against the drydock simulator.

Usage: libmaas_check.py URL API_KEY
Prints one line per check; exits non-zero on the first failure.
"""
import sys

from maas.client import connect


def main(url, key):
    client = connect(url, apikey=key)
    print("version", client.version.get().version)
    machines = client.machines.list()
    print("machines", ",".join(sorted(m.hostname for m in machines)))
    fabrics = client.fabrics.list()
    print("fabrics", ",".join(f.name for f in fabrics))
    print("vlans", ",".join(str(v.vid) for f in fabrics for v in f.vlans))
    print("subnets", ",".join(str(s.cidr) for s in client.subnets.list()))
    first = sorted(machines, key=lambda m: m.hostname)[0]
    print("interfaces", ",".join(i.name for i in first.interfaces))
    print("block_devices", ",".join(b.name for b in first.block_devices))
    try:
        connect(url, apikey="aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc").machines.list()
        print("wrong_key accepted")
    except Exception as e:  # python-libmaas raises CallError with the status
        print("wrong_key refused", "401" in str(e))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
