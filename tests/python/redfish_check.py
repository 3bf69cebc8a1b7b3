"""DMTF's redfish library, an independent Redfish client, against one simulated BMC.

Usage: redfish_check.py BASE_URL USER PASSWORD session|basic [BOOT_TARGET RESET_TYPE]
Logs in, reads the service's one system and its inventory; with BOOT_TARGET and RESET_TYPE,
sets the next boot (once) and resets the system, then reads it back. Prints one JSON object
of what it saw; exits non-zero when the login is refused.
"""
import json
import sys

import redfish


def main(base, user, password, auth, target=None, reset=None):
    client = redfish.redfish_client(base_url=base, username=user, password=password, max_retry=1, timeout=10)
    try:
        client.login(auth=auth)
    except redfish.rest.v1.InvalidCredentialsError:
        print(json.dumps({"login": "refused"}))
        return 3
    seen = {"login": auth, "redfish_version": client.root["RedfishVersion"]}
    systems = client.get("/redfish/v1/Systems").dict
    seen["systems"] = systems["Members@odata.count"]
    path = systems["Members"][0]["@odata.id"]
    system = client.get(path).dict
    seen["power"] = system["PowerState"]
    seen["cpus"] = system["ProcessorSummary"]["Count"]
    seen["memory_gib"] = system["MemorySummary"]["TotalSystemMemoryGiB"]
    seen["bios"] = system["BiosVersion"]
    seen["targets"] = system["Boot"]["BootSourceOverrideTarget@Redfish.AllowableValues"]
    nics = client.get(system["EthernetInterfaces"]["@odata.id"]).dict["Members"]
    seen["macs"] = [client.get(n["@odata.id"]).dict["MACAddress"] for n in nics]
    storage = client.get(system["SimpleStorage"]["@odata.id"]).dict["Members"][0]["@odata.id"]
    seen["drives"] = [d["Name"] for d in client.get(storage).dict["Devices"]]
    manager = client.get(system["Links"]["ManagedBy"][0]["@odata.id"]).dict
    seen["bmc_firmware"] = manager["FirmwareVersion"]
    if target:
        boot = {"Boot": {"BootSourceOverrideTarget": target, "BootSourceOverrideEnabled": "Once"}}
        seen["patch"] = client.patch(path, body=boot).status
        action = system["Actions"]["#ComputerSystem.Reset"]
        seen["reset_types"] = action["ResetType@Redfish.AllowableValues"]
        seen["reset"] = client.post(action["target"], body={"ResetType": reset}).status
        after = client.get(path).dict["Boot"]
        seen["boot"] = [after["BootSourceOverrideTarget"], after["BootSourceOverrideEnabled"]]
    client.logout()
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
