from odoo.tests import tagged

from odoo.addons.sms.tests.common import SMSCommon

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestChannelSms(DunningCommon, SMSCommon):
    """DunningCommon first: its accounting company and customers are the
    test's; SMSCommon adds Odoo's IAP mock (mockSMSGateway) and SMS asserts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.france = cls.env.ref("base.fr")
        cls.partner_a.write({"country_id": cls.france.id, "mobile": "06 12 34 56 78"})
        cls.partner_b.write({"country_id": cls.france.id, "mobile": False, "phone": False})
        cls.level_1 = cls.levels[0]
        cls.level_1.channel_sms = True  # email and SMS

    def _body(self, reminder, amount):
        return (
            f"{self.company.name}: {self.company.currency_id.format(amount)} is overdue on your account "
            f"(ref. {reminder.reference}). Thank you for settling it soon. "
            "If you have already paid, please disregard this message."
        )

    def test_sms_batch_to_invoice_address(self):
        billing = self.env["res.partner"].create(
            {
                "name": "Accounts payable",
                "type": "invoice",
                "parent_id": self.partner_a.id,
                "email": "ap@a.example",
                "country_id": self.france.id,
                "mobile": False,
                "phone": "01 23 45 67 89",
            }
        )
        customer_c = self.env["res.partner"].create(
            {"name": "Customer C", "is_company": True, "country_id": self.france.id, "mobile": "+33 6 98 76 54 32"}
        )
        self._invoice(self.partner_a, 1234.5, "2026-01-01")
        self._invoice(self.partner_a, 100.0, "2026-01-02")
        self._invoice(self.partner_b, 300.0, "2026-01-01")
        self._invoice(customer_c, 50.0, "2026-01-01")
        with self.mockSMSGateway():
            reminders, _stats = self._run("2026-01-05")
        self.assertEqual(len(reminders), 3)
        self.assertEqual(set(reminders.mapped("state")), {"sent"})
        reminder_a, reminder_b, reminder_c = (
            reminders.filtered(lambda r, p=partner: r.partner_id == p)
            for partner in (self.partner_a, self.partner_b, customer_c)
        )
        # One create for the batch; the invoice address's phone, not the
        # company's mobile; partner B has no number and gets the email only.
        self.assertEqual(self._mock_sms_create.call_count, 1)
        self.assertEqual(len(self._new_sms), 2)
        self.assertSMSOutgoing(billing, "+33123456789", content=self._body(reminder_a, 1334.5))
        self.assertSMSOutgoing(customer_c, "+33698765432", content=self._body(reminder_c, 50.0))
        self.assertEqual(self._new_sms.filtered(lambda s: s.partner_id == billing).body, self._body(reminder_a, 1334.5))
        self.assertEqual(reminder_b.state, "sent")
        self.assertTrue(reminder_b.mail_message_id)
        self.assertFalse(self._new_sms.filtered(lambda s: s.partner_id == self.partner_b))
        # The text is kept on the reminder.
        logged = reminder_a.message_ids.filtered(lambda m: m.message_type == "sms")
        self.assertEqual(len(logged), 1)
        self.assertIn(f"ref. {reminder_a.reference}", logged.body)
        # Customer C has no email: SMS alone reached it.
        self.assertFalse(reminder_c.mail_message_id)
        self.assertEqual(reminder_c.state, "sent")

    def test_sms_only_without_number_fails(self):
        self.level_1.write({"channel_email": False})
        self.partner_a.mobile = "12"
        self._invoice(self.partner_a, 200.0, "2026-01-01")
        self._invoice(self.partner_b, 300.0, "2026-01-01")
        with self.mockSMSGateway():
            reminders, _stats = self._run("2026-01-05")
        reminder_a = reminders.filtered(lambda r: r.partner_id == self.partner_a)
        reminder_b = reminders.filtered(lambda r: r.partner_id == self.partner_b)
        self.assertEqual(reminder_a.state, "failed")
        self.assertEqual(reminder_a.error_message, "The phone number 12 of partner_a cannot be used for SMS.")
        self.assertEqual(reminder_b.state, "failed")
        self.assertEqual(reminder_b.error_message, "partner_b has no mobile number for SMS.")
        self.assertFalse(self._new_sms)

    def test_no_email_no_number_lists_both_reasons(self):
        self.partner_b.email = False
        self._invoice(self.partner_b, 300.0, "2026-01-01")
        with self.mockSMSGateway():
            reminders, _stats = self._run("2026-01-05")
        self.assertEqual(reminders.state, "failed")
        self.assertEqual(
            reminders.error_message, "partner_b has no email address. partner_b has no mobile number for SMS."
        )
