"""The Markdown tables, the targets and the plot, from the figures run.py gathered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from benchmarks.common import BACKENDS, OPERATIONS

#: The issue's targets.
INPROCESS_CREATE_MAX_RATIO = 1.2  # this project / floor, median time
HTTP_CREATE_MIN_FLOOR_SHARE = 1 / 1.2  # this project / floor, requests per second
HTTP_CREATE_MIN_SEED_RATIO = 5.0  # this project / 0.1.0, requests per second
#: Memory "does not grow": what a worker's RSS may gain over the last 10,000 requests (the
#: allocator's pools move by a few hundred KiB), and the objects Python's collector tracks,
#: gained a request (a leak makes it one or more).
MEMORY_MAX_GROWTH_MIB = 1.0
MEMORY_MAX_OBJECTS_A_REQUEST = 0.1

LABELS = {"local": "local disk", "s3": "S3", "gcs": "GCS", "azure": "Azure"}


def find(results: list[dict], variant: str, backend: str, operation: str) -> dict | None:
    return next(
        (
            r
            for r in results
            if r["variant"] == variant and r["backend"] == backend and r["operation"] == operation
        ),
        None,
    )


def compared(results: list[dict]) -> Iterator[tuple[str, str, dict, dict | None, dict | None]]:
    """Each request and backend this project was measured on: its figures, the floor's and
    0.1.0's (None where that variant was not measured)."""
    for operation in OPERATIONS:
        for backend in BACKENDS:
            ours = find(results, "ours", backend, operation)
            if ours is not None:
                bare = find(results, "floor", backend, operation)
                yield operation, backend, ours, bare, find(results, "seed", backend, operation)


def _ms(value: float | None) -> str:
    return "—" if value is None else (f"{value:.3f}" if value < 10 else f"{value:.1f}")


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def _queries(value: float | None) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def inprocess_table(figures: dict) -> list[str]:
    lines = [
        "| request | backend | this project, median ms (p99) | queries | floor, median ms "
        "(p99) | queries | 0.1.0, median ms (p99) | queries | this project / floor | "
        "this project / 0.1.0 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def cell(r: dict | None) -> str:
        return "—" if r is None else f"{_ms(r['median_ms'])} ({_ms(r['p99_ms'])})"

    for operation, backend, ours, bare, seed in compared(figures["inprocess"]):
        lines.append(
            f"| {operation} | {LABELS[backend]} | {cell(ours)} | {_queries(ours['queries'])} "
            f"| {cell(bare)} | {_queries(bare and bare['queries'])} | {cell(seed)} | "
            f"{_queries(seed and seed['queries'])} | "
            f"{_ratio(bare and ours['median_ms'] / bare['median_ms'])} | "
            f"{_ratio(seed and ours['median_ms'] / seed['median_ms'])} |"
        )
    return lines


def http_table(figures: dict) -> list[str]:
    lines = [
        "| request | backend | this project, req/s | floor, req/s | 0.1.0, req/s | "
        "this project / floor | this project / 0.1.0 | worker CPU ms a request: this project, "
        "floor, 0.1.0 |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for operation, backend, ours, bare, seed in compared(figures["http"]):
        rps = [r and r["requests_per_second"] for r in (ours, bare, seed)]
        cpu = ", ".join(
            "—" if r is None else f"{r['cpu_ms_per_request']:.2f}" for r in (ours, bare, seed)
        )
        lines.append(
            f"| {operation} | {LABELS[backend]} | "
            + " | ".join("—" if v is None else f"{v:.0f}" for v in rps)
            + f" | {_ratio(rps[1] and rps[0] / rps[1])} | {_ratio(rps[2] and rps[0] / rps[2])}"
            f" | {cpu} |"
        )
    return lines


def signing_table(figures: dict) -> list[str]:
    results = figures["inprocess"]
    lines = [
        "| backend | raw SDK: upload signature | this project: presign_upload | "
        "raw SDK: download signature | this project: presign_download | "
        "share of this project's create |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for backend in BACKENDS:
        presign = find(results, "ours", backend, "presign_upload")
        if presign is None:
            continue
        raw_up = find(results, "floor", backend, "raw_sign_upload")
        raw_down = find(results, "floor", backend, "raw_sign_download")
        download = find(results, "ours", backend, "presign_download")
        create = find(results, "ours", backend, "create")

        def us(r: dict | None) -> str:
            return "—" if r is None else f"{r['median_ms'] * 1000:.0f} µs"

        share = f"{presign['median_ms'] / create['median_ms']:.0%}" if create else "—"
        lines.append(
            f"| {LABELS[backend]} | {us(raw_up)} | {us(presign)} | {us(raw_down)} | "
            f"{us(download)} | {share} |"
        )
    return lines


def breakdown_table(figures: dict) -> list[str]:
    lines = ["| piece of a create request (S3) | this project, µs | floor, µs |", "|---|---:|---:|"]
    for row in figures["breakdown"]["pieces"]:
        lines.append(
            f"| {row['piece']} | {row['ours_us']:.0f} | {row['floor_us']:.0f} |"
            if row["floor_us"]
            else f"| {row['piece']} | {row['ours_us']:.0f} | — |"
        )
    return lines


def memory_table(figures: dict) -> list[str]:
    memory = figures["memory"]
    workers = list(memory["rss_mib"])
    lines = [
        "| requests served (both workers) | "
        + " | ".join(f"worker {i + 1}: RSS (private), MiB" for i in range(len(workers)))
        + " |",
        "|---:|" + "---:|" * len(workers),
    ]
    steps = memory["requests"]
    shown = sorted({0, len(steps) - 1, *range(0, len(steps), max(1, len(steps) // 8))})
    for index in shown:
        cells = []
        for worker in workers:
            rss, anon = memory["rss_mib"][worker][index], memory["anon_mib"][worker][index]
            cells.append("—" if rss is None else f"{rss:.1f} ({anon:.1f})")
        lines.append(f"| {steps[index]:,} | " + " | ".join(cells) + " |")
    return lines


def targets(figures: dict) -> list[dict]:
    found = []
    bare = find(figures["inprocess"], "floor", "s3", "create")
    for operation, profile in (
        ("create", "the default profile"),
        ("create_profile", "a named one"),
    ):
        ours = find(figures["inprocess"], "ours", "s3", operation)
        if ours and bare:
            ratio = ours["median_ms"] / bare["median_ms"]
            found.append(
                {
                    "target": f"create in-process within 1.2x the floor (S3, median; {profile})",
                    "measured": f"{ratio:.2f}x",
                    "met": ratio <= INPROCESS_CREATE_MAX_RATIO,
                }
            )
    if figures.get("http"):
        ours = find(figures["http"], "ours", "s3", "create")
        bare = find(figures["http"], "floor", "s3", "create")
        seed = find(figures["http"], "seed", "s3", "create")
        if ours and bare and bare["requests_per_second"]:
            share = ours["requests_per_second"] / bare["requests_per_second"]
            cpu = ours["cpu_ms_per_request"] / bare["cpu_ms_per_request"]
            found.append(
                {
                    "target": "create over HTTP within 1.2x the floor's requests per second (S3)",
                    "measured": f"floor / this project = {1 / share:.2f}x in requests per second "
                    f"({cpu:.2f}x in worker CPU a request)",
                    "met": share >= HTTP_CREATE_MIN_FLOOR_SHARE,
                }
            )
        if ours and seed and seed["requests_per_second"]:
            ratio = ours["requests_per_second"] / seed["requests_per_second"]
            found.append(
                {
                    "target": "create over HTTP at least 5x 0.1.0's requests per second (S3)",
                    "measured": f"{ratio:.1f}x",
                    "met": ratio >= HTTP_CREATE_MIN_SEED_RATIO,
                }
            )
    if figures.get("memory"):
        memory = figures["memory"]
        growth = [g for g in memory["rss_growth_in_window_mib"].values() if g is not None]
        objects = [
            (o["objects_after"] - o["objects_before"]) / max(1, o["requests"])
            for o in memory["objects"].values()
        ]
        worst = max(growth) if growth else None
        found.append(
            {
                "target": f"no worker memory growth over {memory['window_requests']:,} requests",
                "measured": "—"
                if worst is None
                else f"largest RSS growth of a worker over requests "
                f"{memory['window_from_requests']:,} to {memory['total_requests']:,}: "
                f"{worst:+.2f} MiB; Python objects gained a request, by worker: "
                + ", ".join(f"{g:+.3f}" for g in objects),
                "met": worst is not None
                and worst <= MEMORY_MAX_GROWTH_MIB
                and bool(objects)
                and all(g <= MEMORY_MAX_OBJECTS_A_REQUEST for g in objects)
                and memory["same_workers_throughout"],
            }
        )
    return found


def markdown(figures: dict) -> str:
    settings = figures["settings"]
    machine = figures["machine"]
    out = [
        f"Machine: {machine['cores']} cores ({machine['cpu']}), {machine['memory_mib']} MiB, "
        f"{machine['system']}, Python {machine['python']}; load average "
        f"{machine['load_average'][0]:.2f} at the start, {figures['load_average_end'][0]:.2f} at "
        "the end (other work shares this machine).",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in figures["versions"]["ours"].items())
        + "; 0.1.0's virtualenv: "
        + ", ".join(f"{k} {v}" for k, v in figures["versions"]["seed"].items())
        + ".",
        "",
        f"### In-process (Django's test client, SQLite in memory, {settings['iterations']:,} "
        f"requests or {settings['max_seconds']:g} s a kind, in {settings['rounds']} interleaved "
        "rounds)",
        "",
        *inprocess_table(figures),
        "",
        "Ratios compare medians; for time, lower is better. Complete includes the backend's stat "
        "call to its local server over loopback (moto, fake-gcs-server, Azurite, or the file "
        "system); 0.1.0's complete makes none.",
        "",
        "### Signing, per request (in-process, median)",
        "",
        *signing_table(figures),
    ]
    if figures.get("breakdown"):
        out += [
            "",
            "### Where a create request's time goes (S3, in-process, median per request)",
            "",
            *breakdown_table(figures),
        ]
    if figures.get("http"):
        out += [
            "",
            f"### Over HTTP (gunicorn, {settings['http']['workers']} sync workers; wrk, "
            f"{settings['http']['connections']} connections; {settings['http']['rounds']} "
            f"interleaved rounds of {settings['http']['seconds']} s)",
            "",
            *http_table(figures),
            "",
            "For requests per second, higher is better. Every request carries the session cookie "
            "and CSRF header of a logged-in user, so each also pays the session and user "
            "lookups (2 queries) on top of the in-process counts. The workers' CPU time per "
            "request is read from /proc and is disturbed far less by other load than requests "
            "per second.",
        ]
        problems = [
            f"{r['variant']} {r['backend']} {r['operation']}: {p}"
            for r in figures["http"]
            for p in r["problems"]
        ]
        if problems:
            out += ["", "Problems seen:", *[f"- {p}" for p in problems]]
    if figures.get("memory"):
        memory = figures["memory"]
        out += [
            "",
            f"### Worker memory ({LABELS[memory['backend']]}, runs of {memory['burst_seconds']} s: "
            "create, complete, fetch in turn)",
            "",
            *memory_table(figures),
            "",
            "Peak RSS (VmHWM) of each worker: "
            + ", ".join(f"{v:.1f} MiB" for v in memory["peak_mib"].values())
            + ". Then objects tracked by each worker's garbage collector, after a collection, "
            "before and after one more run of each kind: "
            + "; ".join(
                f"{o['objects_before']:,} → {o['objects_after']:,} over {o['requests']:,} requests"
                for o in memory["objects"].values()
            )
            + ".",
        ]
    out += ["", "### Targets", "", "| target | measured | met |", "|---|---|---|"]
    for target in figures["targets"]:
        out.append(
            f"| {target['target']} | {target['measured']} | {'yes' if target['met'] else 'no'} |"
        )
    return "\n".join(out)


def plot(figures: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 2 + bool(figures.get("http")) + bool(figures.get("memory"))
    fig, axes = plt.subplots(panels, 1, figsize=(11, 3.6 * panels))
    colours = {"ours": "#2b6cb0", "floor": "#a0aec0", "seed": "#dd6b20"}
    names = {"ours": "this project", "floor": "floor", "seed": "0.1.0"}

    def bars(ax, results, value, title, ylabel, log=False):
        groups = [(o, b) for o in OPERATIONS for b in BACKENDS if find(results, "ours", b, o)]
        width = 0.27
        for i, variant in enumerate(("ours", "floor", "seed")):
            xs, ys = [], []
            for j, (operation, backend) in enumerate(groups):
                found = find(results, variant, backend, operation)
                if found:
                    xs.append(j + (i - 1) * width)
                    ys.append(found[value])
            ax.bar(xs, ys, width, label=names[variant], color=colours[variant])
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels([f"{o}\n{LABELS[b]}" for o, b in groups], fontsize=8)
        ax.set_title(title, fontsize=10, loc="right")
        ax.set_ylabel(ylabel)
        if log:
            ax.set_yscale("log")
        ax.legend(fontsize=8, ncol=3, loc="lower left", bbox_to_anchor=(0, 1), frameon=False)
        ax.grid(axis="y", alpha=0.3)

    axes = list(axes)
    bars(
        axes.pop(0),
        figures["inprocess"],
        "median_ms",
        "In-process, median time a request (lower is better; log scale)",
        "ms",
        log=True,
    )
    if figures.get("http"):
        bars(
            axes.pop(0),
            figures["http"],
            "requests_per_second",
            "Over HTTP, gunicorn 2 workers (higher is better; log scale)",
            "requests/s",
            log=True,
        )
    ax = axes.pop(0)
    signing = [
        (
            b,
            find(figures["inprocess"], "floor", b, "raw_sign_upload"),
            find(figures["inprocess"], "ours", b, "create"),
        )
        for b in BACKENDS
    ]
    signing = [(b, s, c) for b, s, c in signing if s and c]
    ax.barh(
        [LABELS[b] for b, _, _ in signing],
        [c["median_ms"] * 1000 for _, _, c in signing],
        color=colours["ours"],
        label="this project's whole create",
    )
    ax.barh(
        [LABELS[b] for b, _, _ in signing],
        [s["median_ms"] * 1000 for _, s, _ in signing],
        color="#38a169",
        label="of which the SDK's signature (raw)",
    )
    ax.set_xlabel("µs a request (in-process median)")
    ax.set_title("Signing cost per create (GCS: RSA; Azure: HMAC SAS)", fontsize=10)
    ax.legend(fontsize=8)
    if figures.get("memory"):
        ax = axes.pop(0)
        memory = figures["memory"]
        for i, (worker, values) in enumerate(memory["rss_mib"].items()):
            line = ax.plot(memory["requests"], values, marker=".", label=f"worker {i + 1}: RSS")
            ax.plot(
                memory["requests"],
                memory["anon_mib"][worker],
                linestyle="--",
                color=line[0].get_color(),
                label=f"worker {i + 1}: private (RssAnon)",
            )
        ax.set_xlabel("requests served by the server (both workers)")
        ax.set_ylabel("RSS, MiB")
        ax.set_title(
            "Worker resident memory while serving create, complete, fetch",
            fontsize=10,
        )
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
