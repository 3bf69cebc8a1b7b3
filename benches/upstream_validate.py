#!/usr/bin/env python3
"""Validate a site design with upstream Airship Drydock, offline.

    python upstream_validate.py FILE_OR_DIR...
    python upstream_validate.py --check     # exit 0 if upstream imports, 2 if not

Run it with the Python of a virtualenv where upstream `drydock_provisioner` is
installed (see benches/UPSTREAM.md). It does what Drydock's validation API does
(POST /api/v1.0/validatedesign): Orchestrator.get_effective_site(design_ref), which ingests
the design with the Deckhand ingester, compiles the effective model (host profile
inheritance, hardware profiles, kernel parameters), computes boot action targets,
renders route domains and runs every validation rule. No database, no API server,
no node driver (so the platform selection rule reports its "no node driver"
warning, as upstream does when offline).

A directory stands for its *.yaml/*.yml files (not subdirectories), sorted; all
arguments are joined, in order, into one multi-document stream, as Deckhand would
render the site. Prints one JSON line:

    {"status": "Success", "errors": 0, "warnings": 1, "messages": 18}

Exit status: 0 when validation ran (whatever its verdict), 1 when it could not run
(bad arguments, design not loadable), 2 when drydock_provisioner cannot be imported.
"""

import argparse
import json
import logging
import os
import sys
import tempfile
import warnings

DECKHAND_INGESTER = "drydock_provisioner.ingester.plugins.deckhand.DeckhandIngester"


def fail(msg, code=1):
    print("upstream_validate.py: %s" % msg, file=sys.stderr)
    sys.exit(code)


class Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors; 2 is kept for "upstream not installed"."""

    def error(self, message):
        self.print_usage(sys.stderr)
        fail(message)


def design_files(args):
    """Expand arguments the way `drydock validate -d` does."""
    files = []
    for arg in args:
        if os.path.isfile(arg):
            files.append(arg)
        elif os.path.isdir(arg):
            found = []
            for name in os.listdir(arg):
                path = os.path.join(arg, name)
                if not name.endswith((".yaml", ".yml")) or os.path.isdir(path):
                    continue
                # Like `drydock validate`: a design file that is not a regular file
                # is an error, not something to skip.
                if not os.path.isfile(path):
                    fail("%s: not a regular file" % path)
                found.append(path)
            found.sort()
            if not found:
                fail("%s: no *.yaml or *.yml files in this directory" % arg)
            files.extend(found)
        else:
            fail("%s: not a file or a directory" % arg)
    return files


def starts_document(text):
    """True when the first meaningful line of `text` is a `---` marker."""
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith(b"#"):
            continue
        return s == b"---" or s.startswith(b"--- ")
    return False


def join_stream(files, out):
    """Write `files` to `out` as one YAML stream.

    Upstream's Deckhand ingester fails on an empty document (it calls .get on
    None), so a separator is only added where a file does not open with one.
    """
    for i, path in enumerate(files):
        with open(path, "rb") as f:
            text = f.read()
        if i > 0 and not starts_document(text):
            out.write(b"---\n")
        out.write(text)
        if text and not text.endswith(b"\n"):
            out.write(b"\n")


def setup_drydock():
    """Import upstream and initialise what it reads at run time.

    Returns the orchestrator and upstream's fields module; exits 2 when upstream
    cannot be imported.
    """
    # The Deckhand ingester imports pkg_resources, which recent setuptools flags as
    # deprecated; the warning is noise on stderr, not a problem.
    warnings.filterwarnings("ignore", message=".*pkg_resources.*")
    try:
        import drydock_provisioner.config as config
        import drydock_provisioner.objects as objects
        import drydock_provisioner.objects.fields as hd_fields
        from drydock_provisioner.ingester.ingester import Ingester
        from drydock_provisioner.orchestrator.orchestrator import Orchestrator
        from drydock_provisioner.statemgmt.state import DrydockState
    except ImportError as ex:
        fail("cannot import upstream Drydock (drydock_provisioner) with %s: %s\n"
             "Set up its virtualenv as described in benches/UPSTREAM.md and run this "
             "script with that Python ($DRYDOCK_UPSTREAM_PYTHON)." % (sys.executable, ex),
             code=2)

    # The ingester and the orchestrator look objects up by name (objects.Site, ...),
    # which exist only once every object module has been imported.
    objects.register_all()
    # Options read on this path: logging.global_logger_name (DrydockState,
    # BaremetalNode, validators) and network.http_client_retries (the design
    # reference resolver). Defaults are right; keystone options are not needed.
    config.config_mgr.register_options(enable_keystone=False)
    # No command line and no config files: a stray drydock.conf must not change
    # what is measured.
    config.config_mgr.conf([], default_config_files=[], default_config_dirs=[])

    ingester = Ingester()
    ingester.enable_plugin(DECKHAND_INGESTER)
    # DrydockState without connect_db(): the design is read through its
    # get_design_documents() (file:// resolver), and build data is only queried
    # when resolve_aliases=True, which validation does not ask for.
    state = DrydockState()
    # enabled_drivers=None: no MAAS, no OOB drivers.
    orchestrator = Orchestrator(state_manager=state, ingester=ingester)
    return orchestrator, hd_fields


def main():
    parser = Parser(
        description="Validate a site design with upstream Drydock (offline).")
    parser.add_argument("paths", nargs="*", metavar="FILE_OR_DIR")
    parser.add_argument("--check", action="store_true",
                        help="only check that upstream Drydock imports and initialises "
                        "(exit 0), for scripts deciding whether to time it")
    args = parser.parse_args()
    if args.check:
        setup_drydock()
        return 0
    if not args.paths:
        parser.error("give at least one FILE_OR_DIR")

    files = design_files(args.paths)
    # Upstream logs every rule at INFO; a service would ship that to a log
    # collector. Keep warnings and errors, which say why a design did not load.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    orchestrator, hd_fields = setup_drydock()

    tmp = None
    try:
        single = os.path.abspath(files[0]) if len(files) == 1 else None
        # The resolver opens urlparse(design_ref).path as is: a '?' or '#' in the
        # path would be cut off, so such a file is copied like a multi-file design.
        if single is not None and not any(c in single for c in "?#"):
            path = single
        else:
            fd, tmp = tempfile.mkstemp(prefix="upstream-design-", suffix=".yaml")
            with os.fdopen(fd, "wb") as out:
                join_stream(files, out)
            path = tmp
        design_ref = "file://" + path

        status, _site_design = orchestrator.get_effective_site(design_ref)
    finally:
        if tmp is not None:
            os.unlink(tmp)

    if status is None:
        # get_effective_site() swallows the exception and returns (None, None) when
        # the design could not be read or parsed; the log above says why.
        fail("upstream Drydock could not load the design (see the log above)")

    messages = status.message_list
    # TaskStatusMessage (added when the effective site fails to build) has no level.
    warn_count = sum(1 for m in messages
                     if getattr(m, "level", None) == hd_fields.MessageLevels.WARN)
    result = {
        "status": status.status,
        "errors": status.error_count,
        "warnings": warn_count,
        "messages": len(messages),
    }
    print(json.dumps(result))

    if status.status != hd_fields.ValidationResult.Success:
        shown = [m for m in messages if m.error][:5]
        for m in shown:
            print("  error: %s" % m.message, file=sys.stderr)
        if status.error_count > len(shown):
            print("  ... %d errors in all" % status.error_count, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
