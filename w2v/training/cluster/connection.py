"""The Dask side of a cluster run: the client, and where a task runs."""

import contextlib
import logging
import sys

from ...errors import W2VError


def import_distributed():
    try:
        import distributed
    except ImportError:
        raise W2VError("training on a cluster needs Dask: pip install 'w2v[dask]'") from None
    return distributed


@contextlib.contextmanager
def connect(workers=None, scheduler=None, threads=1, progress=True):
    """A Dask client: `scheduler` itself if it is one, of the scheduler at `scheduler`, or of a new local cluster of `workers`
    processes with `threads` threads each (loopback only)."""
    distributed = import_distributed()
    if isinstance(scheduler, distributed.Client):  # the caller's: used, not closed
        _wait_for_workers(scheduler, 1, scheduler.scheduler.address)
        yield scheduler
        return
    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(distributed.Client(scheduler, timeout="10s"))
            except (OSError, TimeoutError, ValueError) as exc:  # ValueError: not an address
                raise W2VError(f"cannot reach the Dask scheduler at {scheduler} ({exc})",
                               ("scheduler",)) from None
        else:
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=workers, threads_per_worker=threads, processes=True, host="127.0.0.1",
                dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL))
            client = stack.enter_context(distributed.Client(cluster))
        _wait_for_workers(client, workers or 1, scheduler)
        if progress:
            where = f", dashboard {client.dashboard_link}" if _has_dashboard(client) else ""
            print(f"Dask cluster: {len(client.scheduler_info()['workers'])} workers{where}",
                  file=sys.stderr)
        yield client


def _wait_for_workers(client, n, scheduler, seconds=120):
    """Wait until n workers are connected (a loaded machine starts them slowly)."""
    try:
        client.wait_for_workers(n, timeout=seconds)
    except TimeoutError:
        where = f"the Dask scheduler at {scheduler}" if scheduler else "the local cluster"
        raise W2VError(f"{where} has fewer than {n} workers after {seconds} s") from None


def _has_dashboard(client):
    try:
        return bool(client.scheduler_info().get("services", {}).get("dashboard"))
    except Exception:  # noqa: BLE001 - a missing link is no reason to fail
        return False


def on_worker(error):
    """`error` with the address of the worker it happened on."""
    from distributed import get_worker

    try:
        where = get_worker().address
    except ValueError:  # not on a worker
        return error
    return type(error)(f"worker {where}: {error.template}", error.parameters, error.hint)


def scratch_directory():
    """Where a task's files go: the Dask worker's own `local_directory` (None, the system's
    temporary folder, off a worker). Dask removes it when the worker closes and purges the
    folders of killed workers when their replacement starts, so a killed worker leaves no token
    cache behind."""
    from distributed import get_worker

    try:
        return get_worker().local_directory
    except ValueError:  # not on a worker
        return None
