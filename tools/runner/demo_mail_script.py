"""Point the demo database's outgoing mail at the runner's local mail server
(mail_sink.py), and with DEMO_MAIL_SEND=1 send the mail queue through it.
Executed inside `odoo shell` (fed on stdin), which provides `env`.

Environment: DEMO_MAIL_PORT (the local server's port), DEMO_MAIL_SEND ("1":
send the queue now), DEMO_MAIL_SERVE ("1": the queue manager runs every
minute while the demo is served, instead of every hour).
"""

# A script run by `odoo shell`: it reports with print() and commits its work.
# pylint: disable=print-used,invalid-commit

import os
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields

SERVER_NAME = "Demo: local mail server (./out/mails)"


def point_mail_server(env, port):
    """One outgoing mail server, on 127.0.0.1:`port`, without TLS or login."""
    values = {
        "name": SERVER_NAME,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_encryption": "none",
        "smtp_authentication": "login",
        "smtp_user": False,
        "smtp_pass": False,
        "from_filter": False,
        "sequence": 1,
    }
    servers = env["ir.mail_server"].with_context(active_test=False).search([])
    ours = servers.filtered(lambda server: server.name == SERVER_NAME)
    (servers - ours).write({"active": False})
    if ours:
        ours.write({**values, "active": True})
    else:
        env["ir.mail_server"].create(values)


def send_queue(env):
    """Send every queued mail, each dated the night it was queued (the
    replayed nights of the demo), as the queue manager would have then."""
    Mail = env["mail.mail"]
    queued = Mail.search([("state", "=", "outgoing")], order="date, id")
    by_day = queued.grouped(lambda mail: fields.Datetime.to_datetime(mail.date).date())
    total, done = len(queued), 0
    for day, mails in sorted(by_day.items()):
        # 21:00 UTC: after the nightly run, whatever the time zone.
        with freeze_time(fields.Datetime.to_datetime(day) + timedelta(hours=21)):
            mails.send(auto_commit=True)
        done += len(mails)
        print(f"PROGRESS sending the queued mails | {done}/{total} | {day}", flush=True)
    failed = Mail.search([("id", "in", queued.ids), ("state", "=", "exception")])
    for mail in failed:
        print(f"Mail not sent to {mail.email_to or mail.recipient_ids.mapped('email')}: {mail.failure_reason}")
    if failed:
        raise RuntimeError(f"{len(failed)} of {total} queued mails could not be sent (see above)")


def main(env):
    point_mail_server(env, int(os.environ["DEMO_MAIL_PORT"]))
    if os.environ.get("DEMO_MAIL_SERVE") == "1":
        cron = env.ref("mail.ir_cron_mail_scheduler_action")
        cron.write({"interval_number": 1, "interval_type": "minutes", "nextcall": fields.Datetime.now()})
    env.cr.commit()
    if os.environ.get("DEMO_MAIL_SEND") == "1":
        send_queue(env)
        env.cr.commit()


if __name__ == "__main__":
    # `odoo shell` executes stdin with `env` in the globals.
    main(globals()["env"])
