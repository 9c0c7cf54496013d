#!/usr/bin/env python3
"""Run the workloads against our service and, optionally, Mistral 23.

    python benchmarks/run.py                       # ours, embedded default
    python benchmarks/run.py --start-mistral       # + Mistral 23, alternating
    python benchmarks/run.py --against-mistral http://127.0.0.1:18989/v2
    python benchmarks/run.py --quick --json out.json   # what the test runs

Each workload runs ``--repeat`` times per system (the scale curves
``--curve-repeat`` times), the systems taking turns on every repetition so
that both see the same machine; medians are compared as ours / Mistral.
Prints one JSON document, then a table (``--json FILE`` also writes the
JSON). Our service is started fresh on a free port with a temporary
state_path and stopped at the end.
"""
import argparse
import json
import os
import statistics
import sys
import time

import client as client_mod
import report
import services
import workloads


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--setup", choices=("embedded", "distributed"),
                    default="embedded",
                    help="our deployment: one embedded process, or api + "
                         "3 engines + 2 executors on RabbitMQ + MariaDB")
    ap.add_argument("--distributed", dest="setup", action="store_const",
                    const="distributed", help="same as --setup distributed")
    ap.add_argument("--floor", nargs="*", metavar="BACKEND",
                    choices=("sqlite", "postgresql", "mysql"),
                    help="also measure the floor (floor.py: replay of the "
                         "engine's SQL) for par20x10 and seq50 on these "
                         "backends (default sqlite)")
    ap.add_argument("--against-mistral", metavar="URL",
                    help="a running Mistral v2 API to compare with")
    ap.add_argument("--mistral-pid", type=int,
                    help="root pid of that Mistral (for RSS and CPU)")
    ap.add_argument("--start-mistral", action="store_true",
                    help="start Mistral 23 with ../shared/bench/mistral/"
                         "setup.sh (ANCHOR=/tmp/mistral-bench, port 18989, "
                         "vhost bench, api,engine,executor) and stop it after")
    ap.add_argument("--workloads", nargs="*", metavar="NAME",
                    help="main workloads (default: %s)"
                    % " ".join(workloads.MAIN))
    ap.add_argument("--curves", nargs="*", metavar="NAME",
                    help="scale-curve points (default: %s)"
                    % " ".join(workloads.CURVES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--curve-repeat", type=int, default=1)
    ap.add_argument("--mistral-max-size", type=int, default=1000,
                    help="skip Mistral on workloads larger than this")
    ap.add_argument("--mistral-skip", nargs="*", default=[], metavar="NAME",
                    help="workloads not to run on Mistral (time budget)")
    ap.add_argument("--poll", type=float, default=0.002,
                    help="seconds between polls of one execution")
    ap.add_argument("--timeout", type=float, default=900.0,
                    help="seconds one workload may wait for its executions")
    ap.add_argument("--quick", action="store_true",
                    help="tiny run: seq10 once, no curves")
    ap.add_argument("--json", metavar="FILE", help="also write JSON here")
    args = ap.parse_args(argv)
    if args.quick:
        args.workloads = (list(workloads.QUICK) if args.workloads is None
                          else args.workloads)
        args.curves = [] if args.curves is None else args.curves
        args.repeat = 1
    distributed = args.setup == "distributed"
    if args.workloads is None:
        args.workloads = (list(workloads.DISTRIBUTED) if distributed
                          else list(workloads.MAIN))
    if args.curves is None:
        args.curves = [] if distributed else list(workloads.CURVES)
    if args.floor == []:
        args.floor = ["sqlite"]
    return args


class System:
    """A service under test with its client and its results so far."""

    def __init__(self, service, poll, timeout, broker=None):
        self.service = service
        self.name = service.name
        self.client = client_mod.Client(service.url, poll, timeout)
        self.broker = broker
        self.prepared = set()
        self.failed = set()
        self.metrics = {}
        self.errors = {}
        self.load = {}

    def measure(self, workload):
        """One run of ``workload``; its metrics go to ``self.metrics``."""
        if workload.name in self.failed:
            return
        roots = pids_of(self.service)
        try:
            for wf_name, text in workload.workflows.items():
                if wf_name not in self.prepared:
                    self.client.ensure_workflow(text)
                    self.prepared.add(wf_name)
            before = self._counters(roots)
            metrics = workload.run(self.client, self.service)
            after = self._counters(roots)
        except (client_mod.WorkloadError, OSError) as e:
            self.failed.add(workload.name)
            self.errors[workload.name] = str(e)[:500]
            print("  %-8s %-10s FAILED: %s" % (self.name, workload.name,
                                               str(e)[:200]),
                  file=sys.stderr, flush=True)
            return
        wall = after["t"] - before["t"]
        polls = after["polls"] - before["polls"]
        load = {
            "wall_s": wall,
            "polls_per_s": polls / wall,
            "poll_ms": 1000.0 * (after["poll_seconds"]
                                 - before["poll_seconds"]) / max(polls, 1),
            "service_cpu_s": after["cpu"] - before["cpu"],
            "broker_cpu_s": after["broker"] - before["broker"],
            # machine busy time not spent by the service, its broker or us
            "others_cpu_s": (after["busy"] - before["busy"])
            - (after["cpu"] - before["cpu"])
            - (after["broker"] - before["broker"])
            - (after["self"] - before["self"]),
            "loadavg_1m": os.getloadavg()[0],
        }
        self.load.setdefault(workload.name, []).append(load)
        for key, value in metrics.items():
            self.metrics.setdefault(key, []).append(value)
        print("  %-8s %-10s %s  (%.0f polls/s, %.1f ms/poll)"
              % (self.name, workload.name,
                 " ".join("%s=%.4g" % kv for kv in metrics.items()),
                 load["polls_per_s"], load["poll_ms"]),
              file=sys.stderr, flush=True)

    def _counters(self, roots):
        stats = self.client.stats()
        times = os.times()
        return dict(stats, t=time.monotonic(),
                    cpu=services.cpu_seconds(roots),
                    broker=(services.cpu_seconds([self.broker])
                            if self.broker else 0.0),
                    busy=services.machine_busy_seconds(),
                    self=times.user + times.system)

    def summary(self):
        load = {}
        for name, runs in self.load.items():
            load[name] = {k: round(statistics.median(r[k] for r in runs), 4)
                          for k in runs[0]}
        return {
            "url": self.service.url,
            "version": self.service.version(),
            "median": {k: round(statistics.median(v), 6)
                       for k, v in self.metrics.items()},
            "runs": {k: [round(x, 6) for x in v]
                     for k, v in self.metrics.items()},
            "load": load,
            "errors": self.errors,
        }


def pids_of(service):
    """The root processes of a service (several when distributed)."""
    return list(service.pids if hasattr(service, "pids")
                else [service.pid])


def run_round(systems, names, repeat, mistral_max, mistral_skip=()):
    for name in names:
        workload = workloads.get(name)
        for rep in range(repeat):
            # Alternate who goes first: neither always runs on a machine
            # the other has just warmed (or loaded).
            order = systems if rep % 2 == 0 else systems[::-1]
            for system in order:
                if system.name == "mistral" and (
                        workload.size > mistral_max or name in mistral_skip):
                    continue
                system.measure(workload)


def start_systems(args):
    if args.setup == "distributed":
        ours = services.Distributed().start()
        broker = services.find_broker()
    else:
        ours, broker = services.Ours().start(), None
    print("ours: %s (pids %s, state %s)" % (ours.url, pids_of(ours),
                                            ours.state_path),
          file=sys.stderr, flush=True)
    systems = [System(ours, args.poll, args.timeout, broker=broker)]
    if args.start_mistral and args.setup == "distributed":
        mistral = services.MistralDistributed()
        systems.append(System(mistral.start(), args.poll, args.timeout,
                              broker=broker))
        print("mistral: %s (pids %s)" % (mistral.url, mistral.pids),
              file=sys.stderr, flush=True)
    elif args.start_mistral or args.against_mistral:
        mistral = services.Mistral(url=args.against_mistral,
                                   pid=args.mistral_pid)
        systems.append(System(mistral.start(), args.poll, args.timeout,
                              broker=services.find_broker()))
        print("mistral: %s (pid %s)" % (mistral.url, mistral.pid),
              file=sys.stderr, flush=True)
    return systems


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.time()
    load_before = os.getloadavg()
    systems = start_systems(args)
    try:
        peaks = {s.name: services.RssPeak(pids_of(s.service))
                 for s in systems}
        broker_peak = services.RssPeak([systems[-1].broker])
        for sampler in list(peaks.values()) + [broker_peak]:
            sampler.start()
        run_round(systems, args.workloads, args.repeat,
                  args.mistral_max_size, args.mistral_skip)
        for system in systems:
            system.metrics["rss_peak_mb"] = [peaks[system.name].finish()]
        broker_mb = broker_peak.finish()
        run_round(systems, args.curves, args.curve_repeat,
                  args.mistral_max_size, args.mistral_skip)
    finally:
        for system in systems:
            system.service.stop()
    doc = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S",
                                 time.localtime(started)),
        "duration_s": round(time.time() - started, 1),
        "machine": services.machine(),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "config": {"setup": args.setup, "poll_s": args.poll,
                   "repeat": args.repeat, "curve_repeat": args.curve_repeat,
                   "mistral_max_size": args.mistral_max_size,
                   "mistral_skip": args.mistral_skip,
                   "workloads": args.workloads, "curves": args.curves},
        "systems": {s.name: s.summary() for s in systems},
    }
    if len(systems) > 1:
        doc["systems"]["mistral"]["broker_rss_peak_mb"] = broker_mb
    doc["ratios"] = report.ratios(doc)
    if args.floor:
        doc["floor"] = run_floor(args, doc)
    text = json.dumps(doc, indent=1, sort_keys=True)
    print(text)
    print(report.table(doc))
    if args.floor:
        import floor
        print(floor.table(doc["floor"], rest_rates(doc)))
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    return 0


def rest_rates(doc):
    """Our REST tasks/s for the floor's workloads, where this run has them."""
    median = doc["systems"]["ours"]["median"]
    rates = {}
    if "par20x10_tasks_per_s" in median:
        rates["par20x10"] = median["par20x10_tasks_per_s"]
    if median.get("seq50_s"):
        rates["seq50"] = 50 / median["seq50_s"]
    return rates


def run_floor(args, doc):
    """The floor on each backend asked, after the services stopped."""
    import floor  # imports the engine: only when asked

    def log(line):
        print(line, file=sys.stderr, flush=True)
    result = floor.measure_all(args.floor, list(floor.DEFAULT_WORKLOADS),
                               repeat=max(args.repeat, 1), log=log)
    for name, rate in rest_rates(doc).items():
        for figures in result.values():
            if name in figures:
                figures[name]["rest_tasks_per_s"] = round(rate, 1)
                figures[name]["rest_x_floor"] = round(
                    figures[name]["floor_tasks_per_s"] / rate, 2)
    return result


if __name__ == "__main__":
    sys.exit(main())
