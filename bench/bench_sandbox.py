"""Seed the Stripe sandbox with N balance transactions and list them all through stripe-python.

    python bench/bench_sandbox.py [--n 100000] [--page-size 100]

The sandbox runs in this process (a thread, real HTTP on loopback). Prints seeding time, listing
wall time, transactions per second, and peak memory: the process's max RSS (server and client
together) and tracemalloc's peak for the client side. tracemalloc slows stripe-python's object
building about fivefold, so it is measured in a second pass over the first --trace-n
transactions (auto-paging keeps one page alive at a time, so the peak does not grow with N).
"""
import argparse
import logging
import os
import resource
import secrets
import sys
import threading
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import requests  # noqa: E402
import stripe  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from stripe_sandbox import create_sandbox_app  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000, help="balance transactions to seed")
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--trace-n", type=int, default=20_000,
                        help="transactions listed again under tracemalloc")
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, create_sandbox_app(deliver_webhooks=False), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    key = "sk_test_bench" + secrets.token_hex(8)

    started = time.perf_counter()
    seeded = requests.post(f"{url}/_sandbox/seed", json={
        "api_key": key, "balance_transactions": args.n, "months": 12,
        "currencies": ["usd", "eur", "jpy"]}, timeout=600).json()["created"]
    seed_seconds = time.perf_counter() - started

    client = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
    started = time.perf_counter()
    count, ids = 0, set()
    for txn in client.v1.balance_transactions.list(
            params={"limit": args.page_size}).auto_paging_iter():
        count += 1
        ids.add(txn.id)
    wall = time.perf_counter() - started
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    tracemalloc.start()
    traced = 0
    for _txn in client.v1.balance_transactions.list(
            params={"limit": args.page_size}).auto_paging_iter():
        traced += 1
        if traced >= args.trace_n:
            break
    _, client_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    server.shutdown()

    print(f"seeded:         {seeded['balance_transactions']:,} balance transactions "
          f"({seeded['charges']:,} charges, {seeded['refunds']:,} refunds, "
          f"{seeded['disputes']:,} disputes, {seeded['payouts']:,} payouts) in {seed_seconds:.2f} s")
    print(f"listed:         {count:,} transactions ({len(ids):,} distinct) in "
          f"{-(-count // args.page_size):,} pages of {args.page_size}")
    print(f"wall time:      {wall:.2f} s")
    print(f"throughput:     {count / wall:,.0f} txns/s")
    print(f"client peak:    {client_peak / 2**20:.1f} MiB (tracemalloc, listing the first "
          f"{traced:,} again)")
    print(f"process maxrss: {maxrss_kib / 1024:.1f} MiB (server + client)")
    if count != seeded["balance_transactions"] or len(ids) != count:
        print("MISMATCH: the listing did not return every transaction exactly once")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
