"""`python -m stripe_sandbox --port 12111 [--host 127.0.0.1] [--state-file PATH]`."""
import argparse
import signal
import sys

from werkzeug.serving import make_server

from . import create_sandbox_app


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m stripe_sandbox",
                                     description="Serve the Stripe sandbox.")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-file", default=None,
                        help="pickle the state here (loaded at start, saved on change and exit)")
    args = parser.parse_args(argv)
    app = create_sandbox_app(state_file=args.state_file)
    server = make_server(args.host, args.port, app, threaded=True)
    # SIGTERM -> SystemExit so atexit saves the state file.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"Stripe sandbox on http://{args.host}:{server.server_port} "
          f"(API /v1, OAuth /oauth/authorize, control /_sandbox/state)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
