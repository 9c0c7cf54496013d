"""``mistral-resume-server``: run the service (all parts, or one).

With no config file it is the embedded default: API, engine and executor
in one process, a SQLite file under ``[DEFAULT] state_path``, and the
in-process transport. It creates or upgrades its schema itself.
"""
import logging
import os
import signal
import sys
import threading

from oslo_config import cfg
from oslo_log import log
import sqlalchemy as sa

from mistral_resume import conf as mr_conf
from mistral_resume.db import migration
from mistral_resume.engine import limits
from mistral_resume.engine import service

LOG = logging.getLogger(__name__)


def parts_of(server):
    return service.ALL_PARTS if server == "all" else (server,)


def prepare_database(conf):
    """Create the SQLite directory, upgrade the schema, say where it is."""
    url = conf.database.connection
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        LOG.info("Database: SQLite file %s", os.path.abspath(path))
    else:
        LOG.info("Database: %s", _hide_password(url))
    migration.upgrade(url)


def _hide_password(url):
    return sa.make_url(url).render_as_string(hide_password=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        conf = mr_conf.make(argv)
    except cfg.Error as e:
        sys.stderr.write("mistral-resume-server: %s\n" % e)
        return 2
    log.setup(conf, "mistral-resume")
    parts = parts_of(conf.server)
    limits.configure_from(conf)
    if "engine" in parts:
        prepare_database(conf)
    svc = service.Service(conf, parts).start()
    LOG.info("mistral-resume running: %s (transport %s)", ", ".join(parts),
             conf.transport_url.split("@")[-1])
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    LOG.info("Stopping")
    if stop_within(svc, STOP_GRACE):
        logging.shutdown()
        os._exit(1)  # threads still stopping would hold the interpreter
    return 0


# Seconds a stopping server may take to finish what it runs (in-flight
# messages, requests) before it exits anyway: an action cut short is
# recovered by its lease, and a broker that is away must not keep a
# stopped process alive.
STOP_GRACE = 30.0


def stop_within(svc, grace):
    """Stop ``svc``; 0 if it stopped within ``grace`` seconds, else 1 (the
    caller exits: what is left is recovered as after a crash)."""
    done = threading.Thread(target=svc.stop, name="mistral-resume-stop",
                            daemon=True)
    done.start()
    done.join(grace)
    if done.is_alive():
        LOG.error("Did not stop within %s seconds; exiting anyway", grace)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
