"""python-libmaas, an independent MAAS client, against the drydock simulator.

Usage: libmaas_check.py URL API_KEY
Reads the region, then writes settings, an SSH key, a tag and a domain and reads them back.
Prints one line per check; exits non-zero on the first failure.
"""
import sys

from maas.client import connect

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHntBTpA3GqyMvilu45BEbHVNQJrgWWvfpIVWOQkotfQ check@example.com"


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
    client.maas.set_upstream_dns(["8.8.8.8", "8.8.4.4"])
    client.maas.set_enable_http_proxy(False)
    print("config", client.maas.get_upstream_dns(), client.maas.get_enable_http_proxy(),
          client.maas.get_default_dns_ttl(), client.maas.get_dnssec_validation().parameter)
    client.ssh_keys.create(SSH_KEY)
    print("ssh_keys", len(client.ssh_keys.list()))
    client.tags.create("compute", comment="compute nodes")
    print("tags", ",".join(t.name for t in client.tags.list()))
    client.domains.create("cluster.example.com")
    print("domains", ",".join(sorted(d.name for d in client.domains.list())))
    try:
        connect(url, apikey="aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc").machines.list()
        print("wrong_key accepted")
    except Exception as e:  # python-libmaas raises CallError with the status
        print("wrong_key refused", "401" in str(e))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
