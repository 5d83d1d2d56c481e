from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestInstall(AccountTestInvoicingCommon):
    def test_models_menus_and_cron_exist(self):
        for model in ("account.dunning.policy", "account.dunning.level", "account.dunning.reminder"):
            self.assertIn(model, self.env)
        menu = self.env.ref("account_dunning.menu_dunning_reminders")
        self.assertEqual(menu.parent_id, self.env.ref("account_dunning.menu_dunning"))
        cron = self.env.ref("account_dunning.ir_cron_dunning_process")
        self.assertTrue(cron.active)
        self.assertEqual(cron.interval_type, "days")
        policy = self.env["account.dunning.policy"]._default_for_company(self.env.company)
        self.assertEqual(policy.level_ids.mapped("days_overdue"), [1, 15, 30, 45, 60])

    def test_days_overdue_on_posted_invoice(self):
        with freeze_time("2026-01-10"):
            invoice = self.init_invoice("out_invoice", amounts=[100.0], invoice_date="2025-12-01", post=True)
        # Counted from the installment still owed, as the dunning run counts it.
        invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable").date_maturity = "2026-01-01"
        with freeze_time("2026-01-21"):
            invoice.invalidate_recordset(["dunning_days_overdue"])
            self.assertEqual(invoice.dunning_days_overdue, 20)
