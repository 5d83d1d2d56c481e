# Executed inside `odoo shell` by test_command.py after the tests: the addon
# must uninstall cleanly and leave none of its tables behind.
module = env["ir.module.module"].search([("name", "=", "account_dunning")])  # noqa: F821
module.button_immediate_uninstall()
env.cr.execute(  # noqa: F821
    "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'account_dunning%%'"
)
tables = env.cr.fetchone()[0]  # noqa: F821
env.cr.execute("SELECT state FROM ir_module_module WHERE name = 'account_dunning'")  # noqa: F821
print(f"UNINSTALL_RESULT state={env.cr.fetchone()[0]} tables={tables}")  # noqa: F821
