# Executed inside `odoo shell` by bench_nightly.py (the shell provides `env`).
# BENCH_MODE: nightly_setup | nightly | nightly_check.  Prints `BENCH_*` lines;
# the last one is `BENCH_RESULT {json}`.
import json
import os
import time
from datetime import date

from odoo import api

from odoo.addons.account_dunning.models import account_dunning_engine as engine_module

MODE = os.environ["BENCH_MODE"]
TIME_CAP = float(os.environ.get("BENCH_TIME_CAP", "600"))
CRON_XMLID = "account_dunning.ir_cron_dunning_process"
# Queues that would really send what the dunning run only queues.
SENDING_CRONS = ("mail.ir_cron_mail_scheduler_action", "sms.ir_cron_sms_scheduler_action")


def emit(kind, **values):
    print(f"BENCH_{kind} " + json.dumps(values, default=str), flush=True)


def nightly_setup():
    """Make sure nothing leaves the machine: no mail server, sending queues off."""
    servers = env["ir.mail_server"].search([])  # noqa: F821
    servers.active = False
    found = [env.ref(xmlid, raise_if_not_found=False) for xmlid in SENDING_CRONS]  # noqa: F821
    crons = env["ir.cron"].browse([cron.id for cron in found if cron])  # noqa: F821
    crons.active = False
    env.cr.commit()  # noqa: F821
    emit("RESULT", mode=MODE, mail_servers_disabled=len(servers), crons_disabled=crons.mapped("cron_name"))


def _observe_batches():
    """Print the reminder ids of each batch once the engine has committed it,
    so the parent knows which process created which reminder (even one that
    is killed later).  Observation only: the engine's code runs unchanged."""
    engine_class = env.registry["account.dunning.engine"]  # noqa: F821
    commit_plans, in_fresh_transaction = engine_class._commit_plans, engine_class._in_fresh_transaction
    created = []

    def observed_commit(self, company, today, plans):
        batch = commit_plans(self, company, today, plans)
        created[:] = batch.ids  # a retried transaction replaces them
        return batch

    def observed_transaction(self, work):
        created.clear()
        result = in_fresh_transaction(self, work)
        if created:  # committed now
            emit("BATCH", ids=list(created))
            created.clear()
        return result

    engine_class._commit_plans = observed_commit
    engine_class._in_fresh_transaction = observed_transaction


def _override_batch_sizes():
    """--batch-size / --batches-per-call: smaller batches on a small book."""
    for name in ("BATCH_SIZE", "BATCHES_PER_CALL"):
        value = os.environ.get(f"BENCH_{name}")
        if value:
            setattr(engine_module, name, int(value))


def nightly():
    """The scheduled action, called as Odoo's cron runner calls it: a progress
    record per call, the server action as the cron's user, a commit after
    each call, a new call while the last one reported remaining work."""
    _override_batch_sizes()
    _observe_batches()
    cron = env.ref(CRON_XMLID)  # noqa: F821
    cron_env = api.Environment(env.cr, cron.user_id.id, {"lastcall": cron.lastcall, "cron_id": cron.id})  # noqa: F821
    job = cron_env["ir.cron"].browse(cron.id)
    env.cr.commit()  # noqa: F821
    emit("STARTED", pid=os.getpid())
    start = time.monotonic()
    calls, status = 0, "done"
    while True:
        calls += 1
        job_with_progress, progress = job._add_progress()
        env.cr.commit()  # noqa: F821
        call_start, error = time.monotonic(), None
        try:
            job_with_progress._callback(cron.cron_name, cron.ir_actions_server_id.id)
        except Exception as exc:  # noqa: BLE001 - reported, as the cron runner logs it
            error = f"{type(exc).__name__}: {str(exc).strip()[:300]}"
        env.cr.commit()  # noqa: F821
        progress.invalidate_recordset()
        done, remaining = progress.done, progress.remaining
        emit(
            "CALL",
            call=calls,
            done=done,
            remaining=remaining,
            seconds=round(time.monotonic() - call_start, 2),
            error=error,
        )
        if error and not (done and remaining):
            status = "failed"  # the cron runner gives up until the next day
            break
        if not remaining or not done:
            break
        if time.monotonic() - start > TIME_CAP:
            status = "time cap"
            break
    emit("RESULT", mode=MODE, status=status, calls=calls, seconds=round(time.monotonic() - start, 2))


def nightly_check():
    """The guarantees of a nightly run, read from the database."""
    cr = env.cr  # noqa: F821
    today = date.today()
    cr.execute("SELECT state, count(*) FROM account_dunning_reminder GROUP BY state")
    states = dict(cr.fetchall())
    cr.execute(
        """
        SELECT count(*) FROM (
            SELECT 1 FROM account_dunning_reminder
             WHERE state NOT IN ('draft', 'cancelled')
             GROUP BY company_id, partner_id, date HAVING count(*) > 1) d
        """
    )
    duplicate_customers = cr.fetchone()[0]
    cr.execute(
        """
        SELECT count(*) FILTER (WHERE n > 1), coalesce(sum(n), 0)::int FROM (
            SELECT msg.res_id, count(*) AS n
              FROM mail_mail mm JOIN mail_message msg ON msg.id = mm.mail_message_id
             WHERE msg.model = 'account.dunning.reminder'
             GROUP BY msg.res_id) d
        """
    )
    multi_mail, mails = cr.fetchone()
    cr.execute(
        """
        SELECT mm.state, count(*) FROM mail_mail mm JOIN mail_message msg ON msg.id = mm.mail_message_id
         WHERE msg.model = 'account.dunning.reminder' GROUP BY mm.state
        """
    )
    mail_states = dict(cr.fetchall())
    cr.execute(
        """
        SELECT count(*) FROM (
            SELECT res_id FROM ir_attachment WHERE res_model = 'account.dunning.reminder'
             GROUP BY res_id HAVING count(*) > 1) d
        """
    )
    multi_letter = cr.fetchone()[0]
    cr.execute(
        """
        SELECT count(DISTINCT m.commercial_partner_id),
               count(DISTINCT m.commercial_partner_id) FILTER (WHERE NOT EXISTS (
                   SELECT 1 FROM account_dunning_reminder r
                    WHERE r.partner_id = m.commercial_partner_id AND r.date = %s
                      AND r.state NOT IN ('draft', 'cancelled')))
          FROM account_move m
         WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
           AND m.invoice_date_due < %s AND m.amount_residual > 0
        """,
        [today, today],
    )
    overdue_customers, without_reminder = cr.fetchone()
    cr.execute("SELECT array_agg(id) FROM account_dunning_reminder")
    emit(
        "RESULT",
        mode=MODE,
        states=states,
        reminders=sum(states.values()),
        duplicate_customers=duplicate_customers,
        multi_mail=multi_mail,
        mails=mails,
        mail_states=mail_states,
        multi_letter=multi_letter,
        overdue_customers=overdue_customers,
        overdue_without_reminder=without_reminder,
        ids=cr.fetchone()[0] or [],
    )


{"nightly_setup": nightly_setup, "nightly": nightly, "nightly_check": nightly_check}[MODE]()
