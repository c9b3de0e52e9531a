"""`python -m salesforce_sandbox --port 12112 [--host 127.0.0.1] [--empty]`."""
import argparse
import signal
import sys

from werkzeug.serving import make_server

from . import create_sandbox_app


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m salesforce_sandbox",
                                     description="Serve the Salesforce sandbox.")
    parser.add_argument("--port", type=int, default=12112)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--empty", action="store_true", help="start without the demo org")
    args = parser.parse_args(argv)
    app = create_sandbox_app(demo=not args.empty)
    server = make_server(args.host, args.port, app, threaded=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"Salesforce sandbox on http://{args.host}:{server.server_port} "
          f"(OAuth /services/oauth2/authorize, API /services/data, control /_sandbox/orgs)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
