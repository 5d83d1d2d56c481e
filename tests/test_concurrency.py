"""Two database connections, real commits: what a double click, a second
tab or two nightly runs do at the same time.  The data these tests need is
committed in its own transaction and removed afterwards."""

from datetime import date

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..models.account_dunning_engine import ReminderPlan

TODAY = date(2026, 1, 10)


@tagged("post_install", "-at_install")
class TestTwoConnections(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            company = env.ref("base.main_company")
            policy = env["account.dunning.policy"]._default_for_company(company)
            partner = env["res.partner"].create({"name": "Two Connections SARL", "is_company": True})
            cls.company_id, cls.policy_id, cls.partner_id = company.id, policy.id, partner.id
            cls.level_id = policy.level_ids.sorted("days_overdue")[0].id
        cls.addClassCleanup(cls._remove_committed_data)

    @classmethod
    def _remove_committed_reminders(cls):
        with cls.registry.cursor() as cr:
            cr.execute(
                "DELETE FROM mail_message WHERE model = 'account.dunning.reminder' AND res_id IN "
                "(SELECT id FROM account_dunning_reminder WHERE partner_id = %s)",
                [cls.partner_id],
            )
            cr.execute("DELETE FROM account_dunning_reminder WHERE partner_id = %s", [cls.partner_id])

    @classmethod
    def _remove_committed_data(cls):
        cls._remove_committed_reminders()
        with cls.registry.cursor() as cr:
            cr.execute("DELETE FROM mail_message WHERE model = 'res.partner' AND res_id = %s", [cls.partner_id])
            cr.execute("DELETE FROM res_partner WHERE id = %s", [cls.partner_id])

    def setUp(self):
        super().setUp()
        self.addCleanup(self._remove_committed_reminders)

    def _connections(self):
        """Two environments on two connections, each failing fast instead of
        waiting for a lock the test itself would hold."""
        envs = []
        for _index in range(2):
            cr = self.registry.cursor()
            self.addCleanup(cr.close)
            cr.execute("SET lock_timeout = '10s'")
            envs.append(api.Environment(cr, SUPERUSER_ID, {}))
        return envs

    def _plan(self, env):
        engine = env["account.dunning.engine"]
        rules = engine._level_rules(env["account.dunning.policy"].browse(self.policy_id))[0][self.policy_id]
        return ReminderPlan(self.partner_id, self.policy_id, level=rules[0], origin="manual", state="to_send")

    def _live_count(self, env):
        env.cr.execute(
            "SELECT COUNT(*) FROM account_dunning_reminder "
            "WHERE partner_id = %s AND state NOT IN ('draft', 'cancelled')",
            [self.partner_id],
        )
        return env.cr.fetchone()[0]

    def test_double_submit_creates_one_reminder(self):
        """The second request began before the first committed (a double
        click): its insert is refused, and once retried, as Odoo's HTTP layer
        retries such a request, the guard sees the first reminder."""
        env_a, env_b = self._connections()
        company_a = env_a["res.company"].browse(self.company_id)
        company_b = env_b["res.company"].browse(self.company_id)
        env_b.cr.execute("SELECT 1")  # request B's snapshot is taken
        first = env_a["account.dunning.engine"]._commit_plans(company_a, TODAY, [self._plan(env_a)])
        self.assertEqual(len(first), 1)
        env_a.cr.commit()
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.SerializationFailure):
            env_b["account.dunning.engine"]._commit_plans(company_b, TODAY, [self._plan(env_b)])
        env_b.cr.rollback()
        retried = env_b["account.dunning.engine"]._commit_plans(company_b, TODAY, [self._plan(env_b)])
        self.assertFalse(retried)
        block = env_b["account.dunning.engine"]._sending_blocks(company_b, TODAY, [self.partner_id])[self.partner_id]
        self.assertEqual(block.kind, "pending", "the first one waits to be sent")
        self.assertEqual(self._live_count(env_b), 1)

    def test_two_runs_never_dispatch_the_same_reminder(self):
        """Run A holds a reminder it sends; run B skips it, and after A's
        commit B's older snapshot cannot take it: it is refused, and in a
        fresh transaction finds nothing left to send."""
        env_a, env_b = self._connections()
        company_a = env_a["res.company"].browse(self.company_id)
        reminder_id = env_a["account.dunning.engine"]._commit_plans(company_a, TODAY, [self._plan(env_a)]).id
        env_a.cr.commit()
        env_b.cr.execute("SELECT 1")  # run B's snapshot: the reminder is still to send
        engine_a, engine_b = env_a["account.dunning.engine"], env_b["account.dunning.engine"]
        held = engine_a._lock_for_dispatch([reminder_id])
        self.assertEqual(held.ids, [reminder_id])
        self.assertFalse(engine_b._lock_for_dispatch([reminder_id]), "locked by run A: skipped")
        held._dispatch(TODAY)
        self.assertEqual(held.state, "cancelled", "no invoice left owed: checked before sending")
        env_a.cr.commit()
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.SerializationFailure):
            engine_b._lock_for_dispatch([reminder_id])
        env_b.cr.rollback()
        self.assertFalse(engine_b._lock_for_dispatch([reminder_id]), "already handled by run A")
        env_b.cr.execute(
            "SELECT COUNT(*) FROM mail_message WHERE model = 'account.dunning.reminder' AND res_id = %s "
            "AND body LIKE %s",
            [reminder_id, "%nothing is owed%"],
        )
        self.assertEqual(env_b.cr.fetchone()[0], 1, "handled once")
