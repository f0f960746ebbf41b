"""A separate process for the kill tests: ``deliver <json config>`` runs one mailing's
delivery (the inline path), ``rq <json config>`` an RQ worker; the test kills it midway."""

from __future__ import annotations

import json
import sys

from conference import create_app, jobs
from conference.mailings.services import sending


def main() -> None:
    what, config = sys.argv[1], json.loads(sys.argv[2])
    app = create_app(config, mode="testing")
    with app.app_context():
        if what == "deliver":
            sending.deliver(int(config["MAILING_ID"]))
        else:
            jobs.work(burst=what == "rq-burst", fork=False)


if __name__ == "__main__":
    main()
