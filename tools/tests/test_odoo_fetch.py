"""The runner downloads Odoo 18.0 once, checks it and caches it whole or not at all.

A real HTTP server on 127.0.0.1 serves real tar archives of a minimal fake tree."""

import contextlib
import hashlib
import http.server
import io
import os
import tarfile
import tempfile
import threading
import unittest
from pathlib import Path

from runner import odoo_fetch, setup_env

RELEASE_18 = "version_info = (18, 0, 0, FINAL, 0)\n"
RELEASE_17 = "version_info = (17, 0, 0, FINAL, 0)\n"


def make_archive(release=RELEASE_18, with_account=True, extra=None):
    """A .tar.gz of a minimal source tree under one top folder, as GitHub's."""
    files = {"odoo-18.0/odoo/release.py": release, "odoo-18.0/odoo/__init__.py": ""}
    if with_account:
        files["odoo-18.0/addons/account/__manifest__.py"] = "{'name': 'Invoicing', 'license': 'LGPL-3'}\n"
    files.update(extra or {})
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


class ArchiveServer:
    """Serves `body` at /odoo.tar.gz on a free loopback port and counts requests."""

    def __init__(self, body):
        self.body = body
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests += 1
                if self.path != "/odoo.tar.gz":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/gzip")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *_args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/odoo.tar.gz"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


class FetchCase(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.cache = Path(tmp.name)

    def assert_cache_empty(self):
        """No tree and no leftover temporary folder."""
        self.assertEqual(list(self.cache.iterdir()), [])


class TestFetchOdoo(FetchCase):
    def test_fetched_unpacked_cached_and_reused(self):
        with ArchiveServer(make_archive()) as server:
            root = odoo_fetch.fetch_odoo(self.cache, server.url)
            self.assertEqual(server.requests, 1)
            self.assertIn("(18, 0,", (root / "odoo" / "release.py").read_text())
            self.assertTrue((root / "addons" / "account" / "__manifest__.py").is_file())
            self.assertEqual([p.name for p in self.cache.iterdir()], [root.name])
            again = odoo_fetch.fetch_odoo(self.cache, server.url)
            self.assertEqual(again, root)
            self.assertEqual(server.requests, 1, "the second call must use the cache")

    def test_checksum_accepted(self):
        body = make_archive()
        with ArchiveServer(body) as server:
            root = odoo_fetch.fetch_odoo(self.cache, server.url, hashlib.sha256(body).hexdigest().upper())
        self.assertTrue((root / "odoo" / "release.py").is_file())

    def test_wrong_checksum_refused(self):
        with (
            ArchiveServer(make_archive()) as server,
            self.assertRaisesRegex(odoo_fetch.FetchError, "SHA-256 is [0-9a-f]{64}, not the expected 00"),
        ):
            odoo_fetch.fetch_odoo(self.cache, server.url, "00" * 32)
        self.assert_cache_empty()

    def test_truncated_archive_refused(self):
        body = make_archive(extra={f"odoo-18.0/addons/m{i}/data.txt": "x" * 5000 for i in range(20)})
        with (
            ArchiveServer(body[: len(body) // 2]) as server,
            self.assertRaisesRegex(odoo_fetch.FetchError, "damaged, unsafe or not a tar archive"),
        ):
            odoo_fetch.fetch_odoo(self.cache, server.url)
        self.assert_cache_empty()

    def test_archive_missing_its_last_bytes_refused(self):
        """Cut in gzip's trailer: every file is there, the stream is not whole."""
        with (
            ArchiveServer(make_archive()[:-4]) as server,
            self.assertRaisesRegex(odoo_fetch.FetchError, "damaged, unsafe or not a tar archive"),
        ):
            odoo_fetch.fetch_odoo(self.cache, server.url)
        self.assert_cache_empty()

    def test_corrupt_archive_refused(self):
        with (
            ArchiveServer(b"<html>not an archive</html>" * 100) as server,
            self.assertRaisesRegex(odoo_fetch.FetchError, "damaged, unsafe or not a tar archive"),
        ):
            odoo_fetch.fetch_odoo(self.cache, server.url)
        self.assert_cache_empty()

    def test_path_leaving_the_cache_refused(self):
        body = make_archive(extra={"odoo-18.0/../../escaped.txt": "x"})
        with ArchiveServer(body) as server, self.assertRaisesRegex(odoo_fetch.FetchError, "unsafe"):
            odoo_fetch.fetch_odoo(self.cache / "cache", server.url)
        self.assertEqual(list(self.cache.rglob("escaped.txt")), [])
        self.assertEqual(list((self.cache / "cache").iterdir()), [])

    def test_other_odoo_version_refused(self):
        with (
            ArchiveServer(make_archive(release=RELEASE_17)) as server,
            self.assertRaisesRegex(odoo_fetch.FetchError, "not Odoo 18.0"),
        ):
            odoo_fetch.fetch_odoo(self.cache, server.url)
        self.assert_cache_empty()

    def test_tree_without_account_refused(self):
        with (
            ArchiveServer(make_archive(with_account=False)) as server,
            self.assertRaisesRegex(odoo_fetch.FetchError, "no `account` addon"),
        ):
            odoo_fetch.fetch_odoo(self.cache, server.url)
        self.assert_cache_empty()

    def test_proprietary_module_left_out(self):
        extra = {
            "odoo-18.0/addons/some_enterprise/__manifest__.py": "{'name': 'X', 'license': 'OEEL-1'}\n",
            "odoo-18.0/addons/some_enterprise/models.py": "",
        }
        with ArchiveServer(make_archive(extra=extra)) as server:
            root = odoo_fetch.fetch_odoo(self.cache, server.url)
        self.assertFalse((root / "addons" / "some_enterprise").exists())
        self.assertTrue((root / "addons" / "account").is_dir())

    def test_unreachable_server_reported(self):
        with ArchiveServer(make_archive()) as server:
            url = server.url
        with self.assertRaisesRegex(odoo_fetch.FetchError, f"downloading {url} failed"):
            odoo_fetch.fetch_odoo(self.cache, url)
        self.assert_cache_empty()


if __name__ == "__main__":
    unittest.main()


class TestRunnerFindsOdoo(FetchCase):
    """What the runner does when no tree is given: the environment names the
    archive and the cache, as a user would set them."""

    def setUp(self):
        super().setUp()
        for name in ("DUNNING_CACHE", "DUNNING_ODOO_URL", "DUNNING_ODOO_SHA256"):
            self.addCleanup(self.restore, name, os.environ.get(name))
        os.environ["DUNNING_CACHE"] = str(self.cache)
        os.environ.pop("DUNNING_ODOO_SHA256", None)

    @staticmethod
    def restore(name, value):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value

    def test_archive_from_environment_fetched_once(self):
        with ArchiveServer(make_archive()) as server:
            os.environ["DUNNING_ODOO_URL"] = server.url
            with contextlib.redirect_stdout(io.StringIO()):
                first = setup_env._fetched_odoo()
                second = setup_env._fetched_odoo()
            self.assertEqual(first, second)
            self.assertEqual(server.requests, 1)
        self.assertEqual(first.parent, self.cache / "account_dunning")

    def test_failed_download_lists_the_ways(self):
        with ArchiveServer(make_archive()) as server:
            url = server.url
        os.environ["DUNNING_ODOO_URL"] = url
        with contextlib.redirect_stdout(io.StringIO()), self.assertRaises(setup_env.SetupError) as caught:
            setup_env._fetched_odoo()
        message = str(caught.exception)
        self.assertIn(f"downloading {url} failed", message)
        for way in ("--odoo-src DIR", "ODOO_SRC=DIR", "import odoo", "DUNNING_ODOO_URL=URL"):
            self.assertIn(way, message)
        self.assertEqual(list((self.cache / "account_dunning").iterdir()), [])
