"""python-libmaas against the simulator: what PrepareNodes sets on a machine is kept, and
op=details answers the commissioning output in BSON, as MAAS does.

Usage: libmaas_details.py URL API_KEY HOSTNAME DOMAIN
Prints one line per check; exits non-zero on the first failure.
"""
import sys
import time

from maas.client import connect


def main(url, key, hostname, domain_name):
    client = connect(url, apikey=key)
    machine = next(m for m in client.machines.list() if m.hostname == hostname)
    print("before", machine.get_details())
    domain = client.domains.create(domain_name)
    machine.domain = domain
    machine.save()
    machine = client.machines.get(machine.system_id)
    print("domain", machine.domain.name, machine.fqdn)
    machine.commission(wait=False)
    deadline = time.time() + 30
    while machine.status_name != "Ready":
        if time.time() > deadline:
            raise SystemExit("not Ready: " + machine.status_name)
        time.sleep(0.05)
        machine.refresh()
    details = machine.get_details()
    lshw, lldp = details["lshw"].decode(), details["lldp"].decode()
    boot_mac = machine.boot_interface.mac_address
    print("lshw", lshw.startswith("<?xml"), boot_mac in lshw, "class=\"processor\"" in lshw)
    print("lldp", "<lldp" in lldp, machine.boot_interface.name in lldp)


if __name__ == "__main__":
    main(*sys.argv[1:5])
