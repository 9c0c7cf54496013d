"""Configuration options, one list per group, and ``list_opts()``.

A ``ConfigOpts`` is built by :func:`make` and passed explicitly to whatever
needs it: tests build one each, the server command builds one from its
command line. Defaults give the embedded mode: SQLite file, in-process
transport, API on 127.0.0.1:8989.
"""
import os

from oslo_config import cfg
from oslo_db import options as db_options
from oslo_log import log
import oslo_messaging
from oslo_messaging import opts as messaging_opts

DEFAULT_TRANSPORT_URL = "inproc://"
SERVERS = ("all", "api", "engine", "executor")


def _default_state_path():
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "mistral-resume")


default_opts = [
    cfg.StrOpt("state_path", default=_default_state_path(),
               sample_default="~/.local/share/mistral-resume",
               help="Directory for the embedded SQLite database and other "
                    "state of a single-host installation."),
    cfg.StrOpt("server", default="all", choices=SERVERS,
               help="Which parts this process runs: all (embedded), api, "
                    "engine or executor."),
]

api_opts = [
    cfg.HostAddressOpt("host", default="127.0.0.1",
                       help="Address the REST API listens on."),
    cfg.PortOpt("port", default=8989, help="Port the REST API listens on."),
    cfg.IntOpt("max_request_body_size", default=1024 * 1024, min=1024,
               help="Largest request body accepted, in bytes (413 above)."),
    cfg.IntOpt("max_list_limit", default=1000, min=1,
               help="Largest page a list request may ask for."),
    cfg.IntOpt("max_field_size", default=256 * 1024, min=1024,
               help="Largest request field (an execution's input or "
                    "params, a resume's input, output, items or env, an "
                    "action's output), in bytes of its JSON form (400 "
                    "above)."),
    cfg.IntOpt("max_json_depth", default=100, min=2,
               help="Deepest nesting of arrays and objects a JSON request "
                    "body may have (400 above)."),
    cfg.IntOpt("threads", default=16, min=1,
               help="Worker threads serving API requests; further "
                    "requests wait for one. Each may hold a database "
                    "connection: the pool is sized from the threads and "
                    "workers of the parts a process runs."),
]

# Mistral's group and option name: keystonemiddleware.auth_token, from
# [keystone_authtoken], checks every request's token when enabled.
pecan_opts = [
    cfg.BoolOpt("auth_enable", default=False,
                help="Validate a Keystone token on every API request "
                     "(keystonemiddleware, configured in "
                     "[keystone_authtoken]); the identity is then the "
                     "token's. False (embedded): the X-Project-Id, "
                     "X-User-Id and X-Roles headers are trusted as sent."),
]

engine_opts = [
    cfg.StrOpt("topic", default="mistral_resume_engine",
               help="RPC topic the engines listen on."),
    cfg.StrOpt("host", default=os.uname().nodename,
               sample_default="<hostname>",
               help="Name of this engine on the RPC bus."),
    cfg.IntOpt("rpc_timeout", default=60, min=1,
               help="Seconds the API waits for an engine's answer."),
    cfg.IntOpt("max_result_size", default=1024 * 1024, min=0,
               help="Largest value a task may produce, in bytes of its JSON "
                    "form: an action's output, published variables, a "
                    "task's result, a workflow's output. Above it the task "
                    "(or workflow) fails instead of storing it; 0 means no "
                    "limit."),
    cfg.FloatOpt("expression_time_limit", default=10.0, min=0,
                 help="Seconds of CPU time one YAQL or Jinja evaluation may "
                      "use (database reads not counted) before it fails; 0 "
                      "means no limit."),
    cfg.IntOpt("outbox_resend_after", default=30, min=1,
               help="Seconds after which an unsent outbox row is taken to "
                    "belong to a dead process and is sent again."),
    cfg.IntOpt("workers", default=8, min=1,
               help="Threads handling the API's calls, and as many "
                    "handling executors' results (a topic of their own, so "
                    "a backlog of results never delays a call); each holds "
                    "a database connection while it works."),
    cfg.FloatOpt("scheduler_poll_interval", default=1.0, min=0.01,
                 help="Longest wait, in seconds, before the scheduler looks "
                      "for due jobs (retry and wait delays, timeouts) that "
                      "other engines scheduled; jobs of this engine wake it "
                      "at once."),
    cfg.IntOpt("job_claim_timeout", default=60, min=1,
               help="Seconds after which a scheduled job claimed by an "
                    "engine that did not run it is taken by another."),
    cfg.FloatOpt("action_lease", default=60.0, min=0.1,
                 help="Seconds without a heartbeat after which an action's "
                      "executor is taken for dead (and an action nobody "
                      "claimed for as long for lost on its way): the action "
                      "is sent again if its task has safe-rerun, else it "
                      "fails. Keep it several [executor] "
                      "heartbeat_interval long."),
    cfg.ListOpt("inline_actions",
                default=["std.noop", "std.echo", "std.fail"],
                help="Actions the engine runs itself, inside the unit of "
                     "work that starts them, instead of sending them to an "
                     "executor. Only these instant, side-effect-free ones "
                     "can (another name is ignored, with a warning), and "
                     "std.echo with a delay still goes to an executor. "
                     "Their action executions are recorded as any other's. "
                     "Empty: every action goes to an executor."),
    cfg.IntOpt("inline_batch", default=500, min=1,
               help="Most inline actions one unit of work completes; the "
                    "rest continue in the next one (a message to the "
                    "engines), so a long chain of them never holds an "
                    "execution's lock for long."),
]

executor_opts = [
    cfg.StrOpt("topic", default="mistral_resume_executor",
               help="RPC topic the executors listen on."),
    cfg.StrOpt("host", default=os.uname().nodename,
               sample_default="<hostname>",
               help="Name of this executor on the RPC bus."),
    cfg.IntOpt("workers", default=16, min=1,
               help="Threads running actions at once (further action "
                    "messages wait on the bus)."),
    cfg.FloatOpt("heartbeat_interval", default=10.0, min=0.05,
                 help="Seconds between two renewals of the claims of the "
                      "actions this executor runs (see [engine] "
                      "action_lease)."),
    cfg.FloatOpt("result_resend_after", default=30.0, min=0.1,
                 help="Seconds without any of this executor's results "
                      "recorded by an engine after which those not "
                      "recorded yet are reported again (an engine killed "
                      "after taking the message lost it; a second report "
                      "changes nothing). While engines record results the "
                      "others are queued, not lost, and wait."),
]

database_opts = [
    cfg.IntOpt("sqlite_busy_timeout", default=60, min=1,
               help="Seconds a SQLite writer waits for the write lock."),
]

# Mistral's own group and option names (mistral/config.py), so an operator's
# [action_std_http] section carries over unchanged.
action_std_http_opts = [
    cfg.ListOpt("allowed_hosts", default=[],
                help="Host names std.http may connect to. Empty (the "
                     "default): any host whose addresses are not in "
                     "denied_cidrs."),
    cfg.ListOpt("denied_cidrs",
                default=["127.0.0.0/8", "::1/128", "169.254.0.0/16",
                         "fe80::/10"],
                help="Networks std.http refuses to connect to, checked "
                     "against every address the host resolves to before "
                     "any connection (SSRF mitigation). The default blocks "
                     "loopback and link-local, so the cloud metadata "
                     "service (169.254.169.254) too; add 10.0.0.0/8, "
                     "172.16.0.0/12 and 192.168.0.0/16 to block private "
                     "networks, or set it empty to allow every address."),
    cfg.IntOpt("default_timeout", default=60, min=0,
               help="Seconds a std.http request may take when the action "
                    "sets no timeout; 0 means none."),
    cfg.IntOpt("max_response_size_bytes", default=5 * 1024 * 1024, min=0,
               help="Largest std.http response accepted, by its declared "
                    "Content-Length; 0 means no limit."),
]

_GROUPS = (
    (None, default_opts),
    ("api", api_opts),
    ("pecan", pecan_opts),
    ("engine", engine_opts),
    ("executor", executor_opts),
    ("database", database_opts),
    ("action_std_http", action_std_http_opts),
)


def list_opts():
    """Our options, for oslo-config-generator."""
    return [(group, list(opts)) for group, opts in _GROUPS]


def default_connection(state_path):
    return "sqlite:///%s" % os.path.join(state_path, "mistral-resume.sqlite")


def make(args=None, default_config_files=None, **overrides):
    """A fully registered ``ConfigOpts``, parsed from ``args``.

    ``overrides`` are ``group__name=value`` pairs set after parsing, which is
    how tests and the embedded server pick a database or a port.
    """
    # Before any oslo.messaging option is registered: list_opts() hands out
    # copies, and a default changed after registering them would clash
    # with the originals oslo.messaging registers itself.
    oslo_messaging.set_transport_defaults("mistral_resume")
    conf = cfg.ConfigOpts()
    # ``--server api|engine|executor`` on the command line too (README).
    conf.register_cli_opts([o for o in default_opts if o.name == "server"])
    for group, opts in _GROUPS:
        conf.register_opts(opts, group=group)
    db_options.set_defaults(conf)
    log.register_options(conf)
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    # oslo.messaging 18 reads these on whatever conf it is handed, but
    # list_opts() does not return them.
    from oslo_messaging._metrics import client as metrics  # noqa: WPS433
    from oslo_messaging._tracing import client as tracing  # noqa: WPS433
    conf.register_opts(tracing.oslo_messaging_tracing,
                       group="oslo_messaging_tracing")
    conf.register_opts(metrics.oslo_messaging_metrics,
                       group="oslo_messaging_metrics")
    conf.set_default("transport_url", DEFAULT_TRANSPORT_URL)
    conf(args=list(args or []), project="mistral-resume",
         default_config_files=default_config_files or [])
    for key, value in overrides.items():
        group, _, name = key.rpartition("__")
        conf.set_override(name, value, group=group or None)
    if not conf.database.connection:
        conf.set_override("connection", default_connection(conf.state_path),
                          group="database")
    return conf
