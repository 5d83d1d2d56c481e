"""The demo's mail server really receives mail over SMTP and keeps it."""

import contextlib
import importlib.util
import io
import smtplib
import sys
import tempfile
import unittest
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from runner.mail_sink import MailSink, file_stem

HAS_AIOSMTPD = importlib.util.find_spec("aiosmtpd") is not None
PDF = b"%PDF-1.4\n% a letter\n%%EOF\n"


def reminder_mail(to, date="Mon, 02 Nov 2026 09:00:00 -0000"):
    message = EmailMessage()
    message["From"] = "Atelier Lumière SAS <contact@atelier-lumiere.example>"
    message["To"] = to
    message["Subject"] = "Relance de paiement"
    message["Date"] = date
    message.set_content("Bonjour,\nvotre facture est échue.\n")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="relance.pdf")
    return message


@unittest.skipUnless(HAS_AIOSMTPD, "aiosmtpd is not installed for this Python (the runner's venv has it)")
class TestMailSink(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.out = Path(tmp.name) / "mails"

    def send(self, port, message):
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(message)

    def test_mail_kept_as_eml_with_attachment(self):
        with MailSink(sys.executable, self.out) as sink:
            self.send(sink.port, reminder_mail('"Hôtel Les Tilleuls SARL" <compta@hotel-tilleuls.example>'))
        self.assertEqual(sink.count, 1)
        path, attachments = sink.mails[0]
        self.assertEqual(path.name, "2026-11-02-hotel-les-tilleuls-sarl.eml")
        self.assertEqual(attachments, 1)
        saved = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        self.assertEqual(saved["Subject"], "Relance de paiement")
        attachment = next(saved.iter_attachments())
        self.assertEqual(attachment.get_filename(), "relance.pdf")
        self.assertEqual(attachment.get_content(), PDF)

    def test_second_mail_same_day_gets_own_file(self):
        with MailSink(sys.executable, self.out) as sink:
            for _index in range(2):
                self.send(sink.port, reminder_mail("compta@hotel-tilleuls.example"))
        self.assertEqual(
            sorted(p.name for p in self.out.iterdir()),
            ["2026-11-02-compta-2.eml", "2026-11-02-compta.eml"],
        )

    def test_mail_that_cannot_be_kept_is_refused_and_said(self):
        self.out.parent.mkdir(exist_ok=True)
        self.out.write_text("a file where the folder should be")
        said = io.StringIO()
        with (
            contextlib.redirect_stdout(said),
            MailSink(sys.executable, self.out) as sink,
            self.assertRaises(smtplib.SMTPDataError),
        ):
            self.send(sink.port, reminder_mail("compta@hotel-tilleuls.example"))
        # Leaving MailSink read the server's output to its end, inside redirect_stdout.
        self.assertEqual(sink.count, 0)
        self.assertIn("[mail server]", said.getvalue())


class TestFileStem(unittest.TestCase):
    def test_name_of_first_recipient_folded_to_ascii(self):
        message = reminder_mail('"Architectes Crébillon Associés, Service comptabilité" <c@a.example>, x@y.example')
        self.assertEqual(file_stem(message), "2026-11-02-architectes-crebillon-associes-service-comptabilite")


if __name__ == "__main__":
    unittest.main()
