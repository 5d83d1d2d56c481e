from . import controllers
from . import models
from . import wizards


def _post_init_default_policies(env):
    """Every existing company gets the default policy, not only the main one."""
    env["account.dunning.policy"]._ensure_default_policy(env["res.company"].search([]))
