from . import account_dunning_send
from . import account_dunning_send_guard
from . import account_dunning_send_notice
from . import account_dunning_hold
from . import account_dunning_call_result
from . import account_dunning_statement
from . import account_dunning_send_checks
from . import account_dunning_effectiveness
