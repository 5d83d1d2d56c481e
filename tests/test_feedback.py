from freezegun import freeze_time

from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestFeedback(DunningCommon):
    """Every action says what it did, in the words of the people who read it."""

    def test_put_on_hold_says_what_was_done(self):
        invoice = self._invoice(self.partner_a, 700.0, "2026-01-01")
        with freeze_time("2026-01-10"):
            wizard = self.env["account.dunning.hold"].create(
                {"move_ids": [(6, 0, invoice.ids)], "reason": "dispute", "until": "2026-02-01"}
            )
            action = wizard.action_apply()
        self.assertTrue(invoice.dunning_blocked)
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn(invoice.name, action["params"]["message"])
        self.assertIn("02/01/2026", action["params"]["message"])
        self.assertEqual(action["params"]["next"], {"type": "ir.actions.act_window_close"})

    def test_month_end_statements_dialog_closes_after_printing(self):
        self._invoice(self.partner_a, 700.0, "2026-01-01")
        wizard = self.env["account.dunning.statement"].create({"date": "2026-01-31"})
        action = wizard.action_print()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertTrue(action["close_on_report_download"])

    def test_analysis_labels_invoices_never_reminded(self):
        self._invoice(self.partner_a, 700.0, "2026-01-01")
        self._run("2026-01-05")
        self._invoice(self.partner_a, 100.0, "2026-01-20")
        with freeze_time("2026-01-25"):
            Analysis = self.env["account.dunning.analysis"]
            groups = dict(Analysis._read_group([("partner_id", "=", self.partner_a.id)], ["stage"], ["__count"]))
            labels = dict(Analysis._fields["stage"]._description_selection(self.env))
        self.assertEqual(groups, {"courteous": 1, "not_reminded": 1})
        self.assertEqual(labels["not_reminded"], "Not reminded yet")

    def test_validation_to_do_goes_to_a_manager_in_the_company_language(self):
        """The nightly run (as the scheduler's bot) leaves the formal notice's
        to-do to a dunning manager, written in French for a French company,
        and it is closed when the notice is validated."""
        self._load_french()
        self.company.partner_id.lang = "fr_FR"
        self.policy.max_level_jump = 5
        self._invoice(self.partner_a, 700.0, "2026-01-01")
        bot = self.env.ref("base.user_root")
        with freeze_time("2026-02-20"):
            self.env(user=bot)["account.dunning.engine"].with_context(lang="en_US")._process_overdue()
        notice = self.env["account.dunning.reminder"].search([("partner_id", "=", self.partner_a.id)])
        self.assertEqual(notice.state, "to_validate")
        activity = notice.activity_ids
        self.assertTrue(activity.user_id.has_group("account_dunning.group_dunning_manager"))
        self.assertFalse(activity.user_id._is_superuser(), "never the scheduler's bot")
        self.assertTrue(activity.summary.startswith("À valider"), activity.summary)
        with freeze_time("2026-02-20"):
            notice.with_user(activity.user_id).action_validate()
        self.assertFalse(activity.exists().active, "done (closed) on validation")
